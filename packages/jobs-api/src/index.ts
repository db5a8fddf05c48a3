export { type JobChange, JobsClient } from './client.ts';
export {
  isJobId,
  type JobJson,
  type JobStatus,
  jobIdParams,
  jobSchema,
  jobsRoutes,
  type QueuePlace,
} from './routes.ts';
