import { AppError, toGraphQLError } from '@pixelflow/errors';
import type { Identity } from '@pixelflow/service-kit';
import type { Resolvers } from '../generated/resolvers.ts';
import { isJobId, type JobModel } from '../job.ts';
import { type JobUpdate, openJobUpdates } from '../job-updates.ts';

export function resultUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/jobs/${encodeURIComponent(id)}/result`;
}

/** A job is visible to its owner, and an anonymous job to anyone who knows its id. */
export function visibleTo(job: JobModel | null, identity: Identity): JobModel | null {
  return job && (job.owner === null || job.owner === identity.userId) ? job : null;
}

function pollOutcome(job: JobModel) {
  switch (job.status) {
    case 'SUCCEEDED':
      return { __typename: 'JobDone' as const, job };
    case 'FAILED':
    case 'CANCELLED':
      return { __typename: 'JobFailed' as const, job };
    default:
      return { __typename: 'JobPending' as const, job };
  }
}

export const resolvers: Resolvers = {
  Query: {
    async job(_parent, { id }, { store, identity }) {
      const job = visibleTo(isJobId(id) ? await store.get(id) : null, identity);
      return job ? pollOutcome(job) : { __typename: 'JobNotFound', id };
    },
  },
  Subscription: {
    jobUpdated: {
      subscribe: async (_parent, { id }, { store, updates, identity }) => {
        try {
          return await openJobUpdates(store, id, {
            ...updates,
            visible: (job) => visibleTo(job, identity) !== null,
          });
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
    async __resolveReference(reference, { store, identity }) {
      return visibleTo(isJobId(reference.id) ? await store.get(reference.id) : null, identity);
    },
    resultUrl: (job, _args, { publicUrl }) =>
      job.status === 'SUCCEEDED' ? resultUrl(publicUrl, job.id) : null,
  },
};
