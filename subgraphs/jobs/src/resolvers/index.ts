import { AppError, toGraphQLError } from '@pixelflow/errors';
import type { Resolvers } from '../generated/resolvers.ts';
import { isJobId, type JobModel } from '../job.ts';
import { type JobUpdate, openJobUpdates } from '../job-updates.ts';

export function resultUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/jobs/${encodeURIComponent(id)}/result`;
}

function pollOutcome(job: JobModel) {
  switch (job.status) {
    case 'SUCCEEDED':
      return { __typename: 'JobDone' as const, job };
    case 'FAILED':
      return { __typename: 'JobFailed' as const, job };
    default:
      return { __typename: 'JobPending' as const, job };
  }
}

export const resolvers: Resolvers = {
  Query: {
    async job(_parent, { id }, { store }) {
      const job = isJobId(id) ? await store.get(id) : null;
      return job ? pollOutcome(job) : { __typename: 'JobNotFound', id };
    },
  },
  Subscription: {
    jobUpdated: {
      subscribe: async (_parent, { id }, { store, updates }) => {
        try {
          return await openJobUpdates(store, id, updates);
        } catch (error) {
          throw toGraphQLError(error);
        }
      },
      // The stream yields an AppError in place of a job when the job expires mid-stream.
      resolve: (update: JobUpdate) => {
        if (update instanceof AppError) throw toGraphQLError(update);
        return update;
      },
    },
  },
  Job: {
    async __resolveReference(reference, { store }) {
      return isJobId(reference.id) ? store.get(reference.id) : null;
    },
    resultUrl: (job, _args, { publicUrl }) =>
      job.status === 'SUCCEEDED' ? resultUrl(publicUrl, job.id) : null,
  },
};
