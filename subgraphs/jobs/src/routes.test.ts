/**
 * The jobs service's plain HTTP routes and its Job entity, through the real fastify app (inject)
 * on the in-process drivers: results as the conversion service stores them and as browsers get them.
 */
import { randomUUID } from 'node:crypto';
import { createMemoryDrivers, type KeyValueDrivers } from '@pixelflow/drivers';
import { images, notRaster } from '@pixelflow/image-formats/testing';
import { JobsClient } from '@pixelflow/jobs-api';
import { createLogger } from '@pixelflow/logger';
import {
  type HttpService,
  IDENTITY_HEADER,
  INTERNAL_TOKEN_HEADER,
  signIdentity,
} from '@pixelflow/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsSettings } from './env.ts';
import type { JobModel } from './job.ts';
import { createJobsService } from './service.ts';
import { JobStore } from './store/job-store.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters!';
const lockedDown = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'referrer-policy': 'no-referrer',
};

let drivers: KeyValueDrivers;
let service: HttpService;
beforeAll(async () => {
  drivers = createMemoryDrivers();
  service = await createJobsService({
    drivers,
    logger: createLogger({ service: 'jobs', level: 'silent' }),
    internalSecret: secret,
    publicUrl: 'http://gateway.test',
    ...jobsSettings.defaults,
  });
});
afterAll(async () => {
  await service.close();
  await drivers.close();
});

const internal = (method: 'POST' | 'PUT', url: string, body: unknown, contentType = 'application/json') =>
  service.app.inject({
    method,
    url,
    headers: { 'content-type': contentType, [INTERNAL_TOKEN_HEADER]: secret },
    payload: Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

/** A RUNNING job, as the conversion service makes one. */
async function runningJob(owner: string | null = null): Promise<string> {
  const id = randomUUID();
  expect((await internal('POST', '/internal/jobs', { id, converter: 'custom', owner })).statusCode).toBe(201);
  expect((await internal('POST', `/internal/jobs/${id}/start`, { attempt: 1 })).statusCode).toBe(200);
  return id;
}

const complete = (id: string, data: Buffer, contentType: string) =>
  internal('PUT', `/internal/jobs/${id}/result?attempt=1`, data, contentType);
const result = (id: string) => service.app.inject({ method: 'GET', url: `/jobs/${id}/result` });

describe('GET /jobs/:id/result', () => {
  it("serves a raster result with the type its bytes say, whatever the converter's header said", async () => {
    for (const [type, data] of Object.entries(images)) {
      const id = await runningJob();
      // A converter that mislabels its answer: the bytes decide.
      const done = await complete(id, data, 'image/svg+xml');
      expect(done.statusCode).toBe(200);
      expect(done.json<JobModel>()).toMatchObject({ status: 'SUCCEEDED', result: { contentType: type } });
      const answer = await result(id);
      expect(answer.statusCode).toBe(200);
      expect(answer.headers).toMatchObject({ ...lockedDown, 'content-type': type });
      expect(answer.headers['content-disposition']).toBeUndefined();
      expect(answer.rawPayload.equals(data)).toBe(true);
    }
  });

  it('fails the job with CONVERTER_FAILED when the result is not a raster image', async () => {
    for (const [name, data] of Object.entries(notRaster)) {
      if (data.length === 0) continue; // refused as BAD_REQUEST before any of this
      const id = await runningJob();
      const done = await complete(id, data, name === 'heic' ? 'image/heic' : 'image/svg+xml');
      expect(done.statusCode).toBe(200);
      const job = done.json<JobModel>();
      expect(job).toMatchObject({ status: 'FAILED', result: null, error: { code: 'CONVERTER_FAILED' } });
      expect(job.error?.message).toMatch(/not a JPEG, PNG, WebP, GIF, AVIF or TIFF image/);
      const answer = await result(id);
      expect(answer.statusCode).toBe(502);
      expect(answer.headers).toMatchObject(lockedDown);
      expect(answer.json()).toMatchObject({ error: { code: 'CONVERTER_FAILED' } });
      // A retried call finds the job finished, as for any second completion.
      expect((await complete(id, images['image/png'], 'image/png')).statusCode).toBe(409);
    }
  });

  it('serves a kept result that is no raster image as an opaque download, never as a page', async () => {
    // As a result kept before the check at completion (or changed since) would be.
    const { jobTtlMs, retentionMs } = jobsSettings.defaults;
    const store = new JobStore({ ...drivers, ttlMs: jobTtlMs, retentionMs });
    const id = await runningJob();
    expect((await store.complete(id, notRaster.svg, 'image/svg+xml', 1)).ok).toBe(true);
    const answer = await result(id);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      ...lockedDown,
      'content-type': 'application/octet-stream',
      'content-disposition': 'attachment',
    });
  });

  it('locks down its other answers too: pending, unknown, invalid', async () => {
    const pending = await result(await runningJob());
    expect(pending.statusCode).toBe(202);
    const unknown = await result(randomUUID());
    expect(unknown.statusCode).toBe(404);
    const invalid = await result('x'.repeat(100));
    expect(invalid.statusCode).toBe(400);
    for (const answer of [pending, unknown, invalid]) expect(answer.headers).toMatchObject(lockedDown);
  });
});

describe('the internal API', () => {
  it('drives a job through JobsClient: create, start, progress, complete, and refusals as changes', async () => {
    const { url } = await service.listen();
    const jobs = new JobsClient({ urls: [url], internalSecret: secret });
    const id = randomUUID();
    const created = await jobs.create({ id, converter: 'flip', owner: null });
    expect(created).toMatchObject({ id, status: 'QUEUED', owner: null, attempts: 0 });
    expect(await jobs.create({ id, converter: 'flip', owner: null })).toEqual(created);
    const gone = randomUUID();
    expect(await jobs.heartbeat([id, gone], 'QUEUED')).toEqual({ [id]: 'QUEUED', [gone]: null });
    expect(await jobs.start(id, 1)).toMatchObject({ ok: true, job: { status: 'RUNNING', attempts: 1 } });
    expect(await jobs.progress(id, 0.5)).toMatchObject({ ok: true, job: { progress: 0.5 } });
    const done = await jobs.complete(id, 1, images['image/png'], 'image/png');
    expect(done).toMatchObject({
      ok: true,
      job: { status: 'SUCCEEDED', result: { contentType: 'image/png' } },
    });
    expect(await jobs.get(id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await jobs.fail(id, 'CONVERTER_FAILED', 'too late')).toMatchObject({
      ok: false,
      reason: 'conflict',
      job: { id, status: 'SUCCEEDED' },
    });
    expect(await jobs.cancel(id)).toMatchObject({
      ok: false,
      reason: 'conflict',
      job: { status: 'SUCCEEDED' },
    });
    const unknown = randomUUID();
    expect(await jobs.get(unknown)).toBeNull();
    expect(await jobs.cancel(unknown)).toEqual({ ok: false, reason: 'missing' });
    expect(await jobs.requeue(unknown)).toEqual({ ok: false, reason: 'missing' });
    expect(await jobs.heartbeat([])).toEqual({});
  });

  it('answers 410 JOB_CANCELLED for the result of a cancelled job, and keeps no late result', async () => {
    const id = await runningJob();
    const cancelled = await internal('POST', `/internal/jobs/${id}/cancel`, {});
    expect([cancelled.statusCode, cancelled.json()]).toMatchObject([
      200,
      { status: 'CANCELLED', error: { code: 'JOB_CANCELLED' }, expiresAt: expect.any(String) },
    ]);
    expect((await complete(id, images['image/png'], 'image/png')).statusCode).toBe(409);
    const answer = await result(id);
    expect(answer.statusCode).toBe(410);
    expect(answer.json()).toMatchObject({ error: { code: 'JOB_CANCELLED' } });
  });

  it('answers hostile input with a 4xx, never a 500', async () => {
    const id = randomUUID();
    const answers = [
      await internal('POST', '/internal/jobs', { id: 'x'.repeat(65), converter: 'flip' }),
      await internal('POST', '/internal/jobs', { id, converter: '' }),
      await internal('POST', '/internal/jobs', { id, converter: 'flip', owner: 'o'.repeat(101) }),
      await internal('POST', '/internal/jobs/heartbeat', { ids: Array.from({ length: 1001 }, () => id) }),
      await internal('POST', '/internal/jobs/heartbeat', { ids: [id], onlyWhile: 'RUNNING' }),
      await internal('POST', `/internal/jobs/${id}/start`, { attempt: 0 }),
      await internal('POST', `/internal/jobs/${id}/start`, { attempt: 1.5 }),
      await internal('POST', `/internal/jobs/${id}/fail`, { code: 'X', message: 'm'.repeat(2001) }),
      await internal('PUT', `/internal/jobs/${id}/result?attempt=0`, images['image/png'], 'image/png'),
      await internal('PUT', `/internal/jobs/${id}/result`, images['image/png'], 'image/png'),
      await internal('PUT', `/internal/jobs/${id}/result?attempt=1`, Buffer.alloc(0), 'image/png'),
      await internal('POST', '/internal/jobs', 'not json at all'),
    ];
    for (const answer of answers) {
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }
    const notUuid = await internal('POST', '/internal/jobs/not-a-uuid/start', { attempt: 1 });
    expect(notUuid.statusCode).toBe(404);
    expect(notUuid.json()).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
    const noSecret = await service.app.inject({ method: 'GET', url: `/internal/jobs/${id}` });
    expect(noSecret.statusCode).toBe(403);
    expect(noSecret.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });
});

describe('the Job entity', () => {
  const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { id status } } }`;
  const entities = async (ids: string[], header?: string) => {
    const answer = await service.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...(header ? { [IDENTITY_HEADER]: header } : {}) },
      payload: { query, variables: { reps: ids.map((id) => ({ __typename: 'Job', id })) } },
    });
    return answer.json<{ data: { _entities: unknown[] } }>().data._entities;
  };
  const as = (userId: string | null) => signIdentity(secret, { userId, ip: '192.0.2.1' });

  it("resolves a signed-in user's job for that user only; an anonymous job for whoever has its id", async () => {
    const owner = randomUUID();
    const [owned, anonymousJob] = [await runningJob(owner), await runningJob(null)];
    const ids = [owned, anonymousJob, randomUUID(), `${owned}\u0000`];
    const both = [{ id: owned, status: 'RUNNING' }, { id: anonymousJob, status: 'RUNNING' }, null, null];
    expect(await entities(ids, as(owner))).toEqual(both);
    const onlyAnonymous = [null, { id: anonymousJob, status: 'RUNNING' }, null, null];
    expect(await entities(ids, as(randomUUID()))).toEqual(onlyAnonymous);
    expect(await entities(ids, as(null))).toEqual(onlyAnonymous);
    expect(await entities(ids)).toEqual(onlyAnonymous);
    const forged = signIdentity('another-secret-that-is-thirty-two-chars-long', { userId: owner, ip: 'x' });
    expect(await entities(ids, forged)).toEqual(onlyAnonymous);
  });
});
