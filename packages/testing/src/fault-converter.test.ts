import {
  describeConverterContract,
  expectContract,
  expectRetryAfter,
} from '@pixelflow/converter-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultConverters, startFaultConverters } from './fault-converter.ts';

// The test double speaks the contract too, where it does not misbehave on purpose: it passes any
// bytes on and has no limit of its own.
describeConverterContract('the fault converters (slow, progress)', {
  async start() {
    const faults = await startFaultConverters({ delayMs: 300, closeGraceMs: 10_000 });
    return { urls: { slow: faults.urls.slow, progress: faults.urls.progress }, close: faults.close };
  },
  slow: { id: 'slow', params: { delayMs: 2000 } },
  skip: ['image-bytes', 'busy'],
});

describe('the fault converters', () => {
  let faults: FaultConverters;
  beforeAll(async () => {
    faults = await startFaultConverters({ delayMs: 100 });
  });
  afterAll(() => faults.close());

  const convert = (mode: keyof FaultConverters['urls'], jobId: string) =>
    fetch(`${faults.urls[mode]}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-request-id': jobId, 'x-runner-id': 'runner-1' },
      body: 'png bytes',
    });

  it('misbehave as asked, each within the contract, and record every call', async () => {
    const failed = await convert('fail', 'job-1');
    expect(failed.status).toBe(500);
    expectContract('ErrorBody', await failed.json());

    await expect(convert('die', 'job-2')).rejects.toThrow();

    for (let i = 0; i < 2; i++) {
      const busy = await convert('busy', 'job-3');
      expect(busy.status).toBe(503);
      expectRetryAfter(busy.headers.get('retry-after') ?? undefined, 'busy');
      expect(await busy.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    }
    const third = await convert('busy', 'job-3');
    expect(third.status).toBe(200);
    expect(await third.text()).toBe('png bytes');

    expect(faults.calls.map(({ mode, jobId, runner }) => [mode, jobId, runner])).toEqual([
      ['fail', 'job-1', 'runner-1'],
      ['die', 'job-2', 'runner-1'],
      ['busy', 'job-3', 'runner-1'],
      ['busy', 'job-3', 'runner-1'],
      ['busy', 'job-3', 'runner-1'],
    ]);
  });
});
