import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiClients } from '../../../api/client.ts';
import { FakeWebSocket } from '../../../test/fake-web-socket.ts';
import type { JobSnapshot } from './job-machine.ts';
import { apolloJobTransport, type JobTransport, type PollAnswer } from './job-transport.ts';
import { useJob } from './use-job.ts';

type Observer = Parameters<JobTransport['subscribe']>[1];

/** A transport the test drives: it holds the socket's observer and answers polls from a queue. */
function fakeTransport() {
  let observer: Observer | null = null;
  const trouble = new Set<() => void>();
  const polls: Array<() => Promise<PollAnswer>> = [];
  const transport: JobTransport & { polled: number; unsubscribed: number } = {
    polled: 0,
    unsubscribed: 0,
    subscribe(_id, next) {
      observer = next;
      return () => {
        transport.unsubscribed += 1;
        observer = null;
      };
    },
    poll: vi.fn(async () => {
      transport.polled += 1;
      const answer = polls.shift();
      if (!answer) throw new TypeError('Failed to fetch');
      return answer();
    }),
    onSocketTrouble(listener) {
      trouble.add(listener);
      return () => trouble.delete(listener);
    },
  };
  return {
    transport,
    push: (job: Partial<JobSnapshot>) =>
      act(() => observer?.next({ id: 'j1', status: 'RUNNING', sequence: 0, ...job })),
    failSocket: (error: unknown = new Error('socket closed')) => act(() => observer?.error(error)),
    completeSocket: () => act(() => observer?.complete()),
    dropSocket: () =>
      act(() => {
        for (const listener of trouble) listener();
      }),
    answerPoll: (answer: PollAnswer) => polls.push(async () => answer),
    get subscribed() {
      return observer !== null;
    },
  };
}

const done = (sequence: number): PollAnswer => ({
  found: true,
  job: { id: 'j1', status: 'SUCCEEDED', progress: 1, sequence, resultUrl: 'http://gw/jobs/j1/result' },
});

describe('useJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('moves progress and status with the socket’s events and stops at the result', () => {
    const fake = fakeTransport();
    const { result } = renderHook(() => useJob('j1', fake.transport));
    expect(result.current).toMatchObject({ status: 'QUEUED', transport: 'socket' });

    fake.push({ status: 'RUNNING', progress: 0.25, sequence: 1 });
    expect(result.current).toMatchObject({ status: 'RUNNING', progress: 0.25 });
    fake.push({ status: 'RUNNING', progress: 0.75, sequence: 2 });
    expect(result.current?.progress).toBe(0.75);
    fake.push({ status: 'SUCCEEDED', progress: 1, sequence: 3, resultUrl: 'http://gw/r' });
    expect(result.current).toMatchObject({ status: 'SUCCEEDED', resultUrl: 'http://gw/r', done: true });
    expect(fake.transport.polled).toBe(0);
    expect(fake.subscribed).toBe(false);
  });

  it('falls back to polling every second when the socket fails, and finishes', async () => {
    const fake = fakeTransport();
    const { result } = renderHook(() => useJob('j1', fake.transport, { pollIntervalMs: 1000 }));
    fake.push({ status: 'RUNNING', progress: 0.1, sequence: 1 });
    fake.answerPoll({ found: true, job: { id: 'j1', status: 'RUNNING', progress: 0.5, sequence: 2 } });
    fake.answerPoll(done(3));

    fake.failSocket();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(result.current).toMatchObject({ transport: 'polling', progress: 0.5, status: 'RUNNING' });
    await act(() => vi.advanceTimersByTimeAsync(999));
    expect(fake.transport.polled).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(result.current).toMatchObject({
      status: 'SUCCEEDED',
      done: true,
      resultUrl: 'http://gw/jobs/j1/result',
    });

    // Done: no more polls.
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(fake.transport.polled).toBe(2);
  });

  it('falls back to polling when the socket drops mid-job', async () => {
    const fake = fakeTransport();
    const { result } = renderHook(() => useJob('j1', fake.transport));
    fake.push({ status: 'RUNNING', progress: 0.3, sequence: 1 });
    fake.answerPoll(done(2));
    fake.dropSocket();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(fake.subscribed).toBe(false);
    expect(result.current).toMatchObject({ status: 'SUCCEEDED', transport: 'polling' });
  });

  it('falls back to polling when the socket stays silent (it never opened)', async () => {
    const fake = fakeTransport();
    const { result } = renderHook(() => useJob('j1', fake.transport, { firstEventTimeoutMs: 3000 }));
    fake.answerPoll(done(1));
    await act(() => vi.advanceTimersByTimeAsync(2999));
    expect(result.current?.transport).toBe('socket');
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(result.current).toMatchObject({ transport: 'polling', status: 'SUCCEEDED' });
  });

  it('treats a subscription that completes before the job as a lost socket', async () => {
    const fake = fakeTransport();
    const { result } = renderHook(() => useJob('j1', fake.transport));
    fake.answerPoll(done(1));
    fake.push({ status: 'RUNNING', progress: 0.5, sequence: 0 });
    // The stream ended early (the gateway restarted); only a finished job ends it normally.
    fake.completeSocket();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(result.current).toMatchObject({ transport: 'polling', status: 'SUCCEEDED' });
  });

  it('keeps polling through network failures, saying so after three, and finishes when back', async () => {
    const fake = fakeTransport();
    const { result } = renderHook(() => useJob('j1', fake.transport, { pollIntervalMs: 1000 }));
    fake.failSocket();
    await act(() => vi.advanceTimersByTimeAsync(2000));
    expect(result.current?.failedPolls).toBe(3);
    fake.answerPoll(done(1));
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(result.current).toMatchObject({ status: 'SUCCEEDED', failedPolls: 0 });
  });

  it('ends as NOT_FOUND for an expired job, from the socket or a poll', async () => {
    const viaSocket = fakeTransport();
    const socket = renderHook(() => useJob('j1', viaSocket.transport));
    viaSocket.failSocket(
      new CombinedGraphQLErrors({ errors: [{ message: 'gone', extensions: { code: 'JOB_NOT_FOUND' } }] }),
    );
    expect(socket.result.current?.status).toBe('NOT_FOUND');
    expect(viaSocket.transport.polled).toBe(0);

    const viaPoll = fakeTransport();
    const polled = renderHook(() => useJob('j1', viaPoll.transport));
    viaPoll.answerPoll({ found: false });
    viaPoll.failSocket();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(polled.result.current).toMatchObject({ status: 'NOT_FOUND', done: true });
  });

  it('starts over for a new job id and follows nothing for null', () => {
    const fake = fakeTransport();
    const { result, rerender } = renderHook(({ id }: { id: string | null }) => useJob(id, fake.transport), {
      initialProps: { id: 'j1' as string | null },
    });
    fake.push({ status: 'SUCCEEDED', sequence: 1, resultUrl: 'r' });
    rerender({ id: null });
    expect(result.current).toBeNull();
    rerender({ id: 'j2' });
    expect(result.current).toMatchObject({ jobId: 'j2', status: 'QUEUED', done: false });
  });

  it('falls back to polling when the real socket dies silently after the first event (keep-alive)', async () => {
    FakeWebSocket.instances = [];
    const snapshot = (status: string, progress: number, sequence: number) => ({
      __typename: 'Job',
      id: 'j1',
      status,
      progress,
      sequence,
      resultUrl: status === 'SUCCEEDED' ? 'http://gw/jobs/j1/result' : null,
      error: null,
      savedImage: null,
    });
    const fetch = vi.fn(async () =>
      Response.json({ data: { job: { __typename: 'JobDone', job: snapshot('SUCCEEDED', 1, 2) } } }),
    );
    vi.stubGlobal('fetch', fetch);
    const session = {
      session: null,
      subscribe: () => () => undefined,
      accessToken: async () => null,
      tokenRejected: async () => null,
    };
    const clients = createApiClients(session, { socketUrl: 'ws://gw/graphql', webSocketImpl: FakeWebSocket });
    try {
      const transport = apolloJobTransport(clients.apollo, clients.onSocketTrouble);
      const { result } = renderHook(() => useJob('j1', transport));
      await act(() => vi.advanceTimersByTimeAsync(10));
      const socket = FakeWebSocket.instances[0]!;
      act(() =>
        socket.receive({
          type: 'next',
          id: socket.subscriptionId,
          payload: { data: { jobUpdated: snapshot('RUNNING', 0.3, 1) } },
        }),
      );
      await act(() => vi.advanceTimersByTimeAsync(0));
      expect(result.current).toMatchObject({ transport: 'socket', progress: 0.3 });

      // The connection dies without a close: no event, no error, no close event ever comes.
      socket.alive = false;
      await act(() => vi.advanceTimersByTimeAsync(14_000));
      expect(result.current?.transport).toBe('socket');
      await act(() => vi.advanceTimersByTimeAsync(1_100));
      expect(result.current).toMatchObject({ transport: 'polling', status: 'SUCCEEDED', done: true });
      expect(fetch).toHaveBeenCalled();
    } finally {
      await clients.ws.dispose();
      clients.apollo.stop();
      vi.unstubAllGlobals();
    }
  });
});
