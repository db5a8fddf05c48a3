import { describe, expect, it } from 'vitest';
import { initialJobView, type JobSnapshot, type JobView, jobReducer } from './job-machine.ts';

const job = (patch: Partial<JobSnapshot>): JobSnapshot => ({
  id: 'j1',
  status: 'QUEUED',
  sequence: 0,
  ...patch,
});
const run = (events: Parameters<typeof jobReducer>[1][], start: JobView = initialJobView('j1')) =>
  events.reduce(jobReducer, start);

describe('jobReducer', () => {
  it('follows a job from queued through running to its result', () => {
    const queued = run([{ type: 'update', job: job({ sequence: 1 }) }]);
    expect(queued).toMatchObject({ status: 'QUEUED', progress: null, done: false });
    const running = jobReducer(queued, {
      type: 'update',
      job: job({ status: 'RUNNING', progress: 0.4, sequence: 2 }),
    });
    expect(running).toMatchObject({ status: 'RUNNING', progress: 0.4, done: false });
    const done = jobReducer(running, {
      type: 'update',
      job: job({ status: 'SUCCEEDED', progress: 1, sequence: 3, resultUrl: 'http://x/jobs/j1/result' }),
    });
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      progress: 1,
      resultUrl: 'http://x/jobs/j1/result',
      done: true,
    });
  });

  it('drops updates that are not newer than the last seen (a late socket event after a poll)', () => {
    const view = run([
      { type: 'update', job: job({ status: 'RUNNING', progress: 0.7, sequence: 5 }) },
      { type: 'update', job: job({ status: 'RUNNING', progress: 0.2, sequence: 3 }) },
      { type: 'update', job: job({ status: 'RUNNING', progress: 0.2, sequence: 5 }) },
    ]);
    expect(view).toMatchObject({ progress: 0.7, sequence: 5 });
  });

  it('ignores another job’s updates', () => {
    expect(run([{ type: 'update', job: job({ id: 'other', status: 'RUNNING', sequence: 9 }) }]).status).toBe(
      'QUEUED',
    );
  });

  it('keeps the failure and its error, and changes nothing after a terminal state', () => {
    const failed = run([
      { type: 'update', job: job({ status: 'RUNNING', progress: 0.5, sequence: 1 }) },
      {
        type: 'update',
        job: job({ status: 'FAILED', sequence: 2, error: { code: 'CONVERTER_FAILED', message: 'boom' } }),
      },
    ]);
    expect(failed).toMatchObject({
      status: 'FAILED',
      done: true,
      error: { code: 'CONVERTER_FAILED' },
      progress: 0.5,
    });
    expect(jobReducer(failed, { type: 'update', job: job({ status: 'RUNNING', sequence: 9 }) })).toBe(failed);
    expect(jobReducer(failed, { type: 'socket-lost' })).toBe(failed);
  });

  it('switches to polling once the socket is lost, counts failed polls, and resets them on an answer', () => {
    const polling = run([{ type: 'socket-lost' }, { type: 'poll-failed' }, { type: 'poll-failed' }]);
    expect(polling).toMatchObject({ transport: 'polling', failedPolls: 2 });
    expect(jobReducer(polling, { type: 'update', job: job({ sequence: 0 }) }).failedPolls).toBe(0);
  });

  it('ends as NOT_FOUND when the job expired', () => {
    expect(run([{ type: 'socket-lost' }, { type: 'not-found' }])).toMatchObject({
      status: 'NOT_FOUND',
      done: true,
    });
  });

  it('keeps when a finished job’s result expires', () => {
    const view = run([
      { type: 'update', job: job({ status: 'RUNNING', sequence: 1, expiresAt: null }) },
      {
        type: 'update',
        job: job({ status: 'SUCCEEDED', sequence: 2, resultUrl: 'r', expiresAt: '2030-01-01T14:32:00.000Z' }),
      },
    ]);
    expect(view).toMatchObject({ status: 'SUCCEEDED', expiresAt: '2030-01-01T14:32:00.000Z' });
  });

  it('keeps the place in line while queued only, and the converter’s notice with the result', () => {
    const place = { position: 3, estimatedStartAt: '2030-01-01T12:00:40.000Z', estimatedFinishAt: null };
    const queued = run([{ type: 'update', job: job({ sequence: 1, queue: place }) }]);
    expect(queued.queue).toEqual(place);
    const closer = jobReducer(queued, { type: 'update', job: job({ sequence: 2, queue: { position: 1 } }) });
    expect(closer.queue).toEqual({ position: 1 });
    // A stale place on a running job (the server clears it a beat later) is not shown.
    const running = jobReducer(closer, {
      type: 'update',
      job: job({ status: 'RUNNING', sequence: 3, queue: place }),
    });
    expect(running.queue).toBeNull();
    const done = jobReducer(running, {
      type: 'update',
      job: job({ status: 'SUCCEEDED', sequence: 4, resultUrl: 'r', notice: 'Worked on a 0.5 MP copy.' }),
    });
    expect(done).toMatchObject({ queue: null, notice: 'Worked on a 0.5 MP copy.' });
  });

  it('ends at CANCELLED (cancelJob), with nothing after it', () => {
    const cancelled = run([{ type: 'update', job: job({ status: 'CANCELLED', sequence: 1 }) }]);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', done: true });
    expect(jobReducer(cancelled, { type: 'update', job: job({ status: 'RUNNING', sequence: 2 }) })).toBe(
      cancelled,
    );
  });

  it('keeps the saved image of a signed-in user’s result', () => {
    const view = run([
      {
        type: 'update',
        job: job({ status: 'SUCCEEDED', sequence: 4, resultUrl: 'r', savedImage: { id: 'img', url: 'u' } }),
      },
    ]);
    expect(view.savedImage).toEqual({ id: 'img', url: 'u' });
  });
});
