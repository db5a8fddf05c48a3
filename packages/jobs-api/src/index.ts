export { type JobChange, JobsClient } from './client.ts';
export { type JobJson, type JobStatus, jobIdParams, jobSchema, jobsRoutes } from './routes.ts';
