import type { ApolloClient } from '@apollo/client';
import { print } from 'graphql';
import { graphql } from '../../../gql';
import { errorCodeOf } from '../../../lib/errors.ts';

export const CancelJobDocument = graphql(`
  mutation CancelJob($id: ID!, $cancelToken: String) {
    cancelJob(id: $id, cancelToken: $cancelToken) {
      id
      status
      sequence
    }
  }
`);

/** What came of a cancel: done, too late (the job ended first, which its status shows), or refused. */
export type CancelOutcome = { kind: 'cancelled' } | { kind: 'ended' } | { kind: 'failed'; error: unknown };

/**
 * Asks the server to cancel a job. The new state reaches the page the usual way (the job's
 * stream or its polling), so the answer only tells whether to say anything: JOB_CONFLICT means
 * the job ended before the cancel arrived, which the status already says.
 */
export async function cancelJob(
  apollo: ApolloClient,
  jobId: string,
  cancelToken: string | null,
): Promise<CancelOutcome> {
  try {
    const { error } = await apollo.mutate({
      mutation: CancelJobDocument,
      variables: { id: jobId, cancelToken },
    });
    if (error) throw error;
    return { kind: 'cancelled' };
  } catch (error) {
    return errorCodeOf(error) === 'JOB_CONFLICT' ? { kind: 'ended' } : { kind: 'failed', error };
  }
}

/**
 * The same request as a plain JSON POST that the browser finishes after the page is gone
 * (`keepalive`): Apollo's fetch would be cut off with the page. Anonymous only, so no token
 * header; the cancel token is the credential.
 */
export function sendCancelOnLeave(
  fetcher: typeof fetch,
  jobId: string,
  cancelToken: string,
  url = '/graphql',
): void {
  const body = JSON.stringify({ query: print(CancelJobDocument), variables: { id: jobId, cancelToken } });
  fetcher(url, {
    method: 'POST',
    keepalive: true,
    headers: { 'content-type': 'application/json' },
    body,
  }).catch(
    // Nothing is left to tell: the page is going.
    () => undefined,
  );
}
