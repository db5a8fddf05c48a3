import { setTimeout as sleep } from 'node:timers/promises';
import { errorCodes, isErrorCode } from '@pixelflow/errors';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, PARAMS_HEADER } from '../src/contract.ts';
import { mixedBoundary, readParts } from '../src/multipart-mixed.ts';
import { expectContract, expectListedAnswer, expectRetryAfter, strictDefaults } from './openapi.ts';

/** Converters under test, as one process serves them. */
export interface RunningConverters {
  /** Base URL of each converter, by id. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

export interface ContractSubject {
  /** Starts the converters with room for one conversion at a time and several seconds of close grace. */
  start(): Promise<RunningConverters>;
  /** An image that every converter takes. @default a 16×8 PNG */
  image?: () => Promise<Buffer>;
  /** Params for a converter where `{}` will not do, by id. */
  params?: Record<string, Record<string, unknown>>;
  /** A conversion that keeps its converter busy for a second or more, for the busy and shutdown checks. */
  slow: { id: string; params: Record<string, unknown>; image?: () => Promise<Buffer> };
  /** Checks that do not apply: a test double that passes any bytes on, or is never busy. */
  skip?: ReadonlyArray<'image-bytes' | 'busy'>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

async function call(url: string, options: Parameters<typeof request>[1] = {}): Promise<Answer> {
  const response = await request(url, options);
  return {
    status: response.statusCode,
    headers: response.headers,
    body: Buffer.from(await response.body.arrayBuffer()),
  };
}

const convert = (url: string, body: Buffer | string, headers: Record<string, string>) =>
  call(`${url}/convert`, { method: 'POST', headers, body });

const pngHeaders = (params: object, accept = 'image/*') => ({
  'content-type': 'image/png',
  [PARAMS_HEADER]: JSON.stringify(params),
  accept,
});

const defaultImage = () =>
  sharp({ create: { width: 16, height: 8, channels: 3, background: '#3a6ea5' } })
    .png()
    .toBuffer();

/** An error answer as the spec has it: its status listed, a JSON ErrorBody whose code has that status. */
function expectError(answer: Answer, status: number, code: string, label: string): void {
  expect({ status: answer.status, type: answer.headers['content-type'] }, label).toMatchObject({
    status,
    type: expect.stringMatching(/^application\/json/),
  });
  const body = JSON.parse(answer.body.toString()) as { error?: { code?: string } };
  expectContract('ErrorBody', body, label);
  expect(body.error?.code, label).toBe(code);
  expect(isErrorCode(code) && errorCodes[code].status, label).toBe(status);
  expectListedAnswer('/convert', 'post', status, label);
}

/** A 200 answer to `POST /convert`: a plain image, or the progress stream where it was asked for. */
async function expectConverted(answer: Answer, progressAllowed: boolean, label: string): Promise<void> {
  expect(answer.status, `${label}: ${answer.body.toString().slice(0, 300)}`).toBe(200);
  const type = String(answer.headers['content-type']);
  const boundary = mixedBoundary(type);
  if (!boundary) {
    expect(type, label).toMatch(/^image\//);
    expect(answer.body.length, label).toBeGreaterThan(0);
    return;
  }
  expect(progressAllowed, `${label}: a progress answer nobody asked for`).toBe(true);
  const parts = [];
  const body = (async function* () {
    yield answer.body;
  })();
  for await (const part of readParts(body, boundary, answer.body.length)) parts.push(part);
  const last = parts.pop();
  const fractions = parts.map((part) => {
    expect(part.headers['content-type'], label).toMatch(/^application\/json/);
    const progress = JSON.parse(part.body.toString()) as { progress: number };
    expectContract('Progress', progress, label);
    return progress.progress;
  });
  expect(fractions, `${label}: progress never decreases`).toEqual([...fractions].sort((a, b) => a - b));
  expect(last?.headers['content-type'], label).toMatch(/^image\//);
  expect(last?.body.length, label).toBeGreaterThan(0);
}

/**
 * The converter contract, checked on real answers of a running converter against the schemas of
 * converters/openapi.yaml: describe, health, convert (plain and progress), the 4xx error bodies,
 * busy and shutting down. Every converter we ship runs it (`describeConverterContract`); a
 * converter in another language can be held to the same checks by pointing `start` at it.
 */
export function describeConverterContract(name: string, subject: ContractSubject): void {
  const skip = new Set(subject.skip ?? []);
  const image = subject.image ?? defaultImage;
  const paramsOf = (id: string) => subject.params?.[id] ?? {};
  const startSlow = async (running: RunningConverters) => {
    const { id, params } = subject.slow;
    const answer = convert(running.urls[id]!, await (subject.slow.image ?? image)(), pngHeaders(params));
    // Long enough for the upload to arrive and the conversion to take its place.
    await sleep(400);
    // Wrapped: an async function's returned promise would be awaited with it.
    return { answer };
  };

  describe(`the converter contract: ${name}`, () => {
    let running: RunningConverters;
    let png: Buffer;
    beforeAll(async () => {
      running = await subject.start();
      png = await image();
    });
    afterAll(() => running?.close());

    it('describes each converter as a Description, its params a strict JSON Schema', async () => {
      for (const [id, url] of Object.entries(running.urls)) {
        const answer = await call(`${url}/describe`);
        expect(answer.status, id).toBe(200);
        const description = JSON.parse(answer.body.toString()) as { id: string; params: object };
        expectContract('Description', description, `${id} /describe`);
        expect(description.id).toBe(id);
        expect(() => strictDefaults(description.params), id).not.toThrow();
        for (const path of ['/healthz', '/readyz']) {
          const status = await call(`${url}${path}`);
          expect(status.status, `${id} ${path}`).toBe(200);
          expectContract('Status', JSON.parse(status.body.toString()), `${id} ${path}`);
        }
      }
    });

    it('converts to an image, and answers a progress request with the stream or the image', async () => {
      for (const [id, url] of Object.entries(running.urls)) {
        const described = JSON.parse((await call(`${url}/describe`)).body.toString()) as {
          progress: boolean;
        };
        await expectConverted(await convert(url, png, pngHeaders(paramsOf(id))), false, `${id} plain`);
        const streamed = await convert(url, png, pngHeaders(paramsOf(id), 'multipart/mixed, image/*'));
        await expectConverted(streamed, described.progress, `${id} progress`);
      }
    });

    it('refuses bad input with the error body and status the spec lists', async () => {
      for (const [id, url] of Object.entries(running.urls)) {
        const headers = pngHeaders(paramsOf(id));
        const notJson = await convert(url, png, { ...headers, [PARAMS_HEADER]: '{sigma: 3' });
        expectError(notJson, 400, 'INVALID_PARAMS', `${id} params not JSON`);
        const notObject = await convert(url, png, { ...headers, [PARAMS_HEADER]: '5' });
        expectError(notObject, 400, 'INVALID_PARAMS', `${id} params not an object`);
        const { details } = JSON.parse(notObject.body.toString()).error;
        expect(details.errors, `${id} details.errors`).toEqual(
          expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]),
        );
        const text = await convert(url, png, { ...headers, 'content-type': 'text/plain' });
        expectError(text, 415, 'UNSUPPORTED_IMAGE', `${id} text/plain`);
        expectError(await convert(url, '', headers), 415, 'UNSUPPORTED_IMAGE', `${id} empty body`);
        if (!skip.has('image-bytes')) {
          const bytes = await convert(url, 'not an image, though labelled image/png', headers);
          expectError(bytes, 415, 'UNSUPPORTED_IMAGE', `${id} not an image`);
        }
        const large = Buffer.concat([png, Buffer.alloc(MAX_BODY_BYTES + 1 - png.length)]);
        expectError(await convert(url, large, headers), 413, 'PAYLOAD_TOO_LARGE', `${id} too large`);
      }
    });

    it.skipIf(skip.has('busy'))('answers 503 SERVICE_UNAVAILABLE with Retry-After while busy', async () => {
      const { answer: slow } = await startSlow(running);
      // One limit for all the converters of a process: each is busy now.
      for (const [id, url] of Object.entries(running.urls)) {
        const busy = await convert(url, png, pngHeaders(paramsOf(id)));
        expectError(busy, 503, 'SERVICE_UNAVAILABLE', `${id} busy`);
        expectRetryAfter(busy.headers['retry-after'], `${id} busy`);
      }
      await expectConverted(await slow, true, 'the slow conversion');
    });

    it('answers 503 SHUTTING_DOWN with Retry-After while it drains, and finishes what runs', async () => {
      const draining = await subject.start();
      const { answer: slow } = await startSlow(draining);
      const closed = draining.close();
      await sleep(50);
      for (const [id, url] of Object.entries(draining.urls)) {
        const late = await convert(url, png, pngHeaders(paramsOf(id)));
        expectError(late, 503, 'SHUTTING_DOWN', `${id} shutting down`);
        expectRetryAfter(late.headers['retry-after'], `${id} shutting down`);
      }
      await expectConverted(await slow, true, 'the conversion that was running');
      await closed;
    });
  });
}
