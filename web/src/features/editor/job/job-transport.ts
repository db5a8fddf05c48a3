import type { ApolloClient } from '@apollo/client';
import { graphql } from '../../../gql';
import type { JobSnapshot } from './job-machine.ts';

// What the page keeps of a job, the same whether pushed over the socket or polled.
export const JobSnapshotFields = graphql(`
  fragment JobSnapshotFields on Job {
    id
    status
    progress
    sequence
    resultUrl
    error {
      code
      message
    }
    savedImage {
      id
      url
    }
    expiresAt
    queue {
      position
      estimatedStartAt
      estimatedFinishAt
    }
    notice
  }
`);

export const JobUpdatedSubscription = graphql(`
  subscription JobUpdated($id: ID!) {
    jobUpdated(id: $id) {
      ...JobSnapshotFields
    }
  }
`);

export const JobPollQuery = graphql(`
  query JobPoll($id: ID!) {
    job(id: $id) {
      __typename
      ... on JobDone {
        job {
          ...JobSnapshotFields
        }
      }
      ... on JobPending {
        job {
          ...JobSnapshotFields
        }
      }
      ... on JobFailed {
        job {
          ...JobSnapshotFields
        }
      }
      ... on JobNotFound {
        id
      }
    }
  }
`);

export type PollAnswer = { found: true; job: JobSnapshot } | { found: false };

/** How a job's states reach the page: pushed over the socket, or asked for over HTTP. */
export interface JobTransport {
  /** Streams the job's states; returns the unsubscribe. */
  subscribe(
    jobId: string,
    observer: { next(job: JobSnapshot): void; error(error: unknown): void; complete(): void },
  ): () => void;
  /** One poll; rejects when the server could not be reached. */
  poll(jobId: string): Promise<PollAnswer>;
  /** Calls `listener` when the socket under the subscriptions closes or fails to open. */
  onSocketTrouble(listener: () => void): () => void;
}

export function apolloJobTransport(
  apollo: ApolloClient,
  onSocketTrouble: JobTransport['onSocketTrouble'],
): JobTransport {
  return {
    subscribe(jobId, observer) {
      const subscription = apollo
        .subscribe({ query: JobUpdatedSubscription, variables: { id: jobId } })
        .subscribe({
          next: (result) => {
            if (result.error) observer.error(result.error);
            else if (result.data) observer.next(result.data.jobUpdated);
          },
          error: (error) => observer.error(error),
          complete: () => observer.complete(),
        });
      return () => subscription.unsubscribe();
    },
    async poll(jobId) {
      const { data, error } = await apollo.query({
        query: JobPollQuery,
        variables: { id: jobId },
        fetchPolicy: 'network-only',
      });
      if (error || !data) throw error ?? new Error('no answer');
      const answer = data.job;
      return answer.__typename === 'JobNotFound' ? { found: false } : { found: true, job: answer.job };
    },
    onSocketTrouble,
  };
}
