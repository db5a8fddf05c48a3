import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callConverter } from './call.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A converter that answers every request with `answer`. */
async function converter(answer: (response: ServerResponse) => void): Promise<string> {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(response));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const boundary = 'b';
const part = (type: string, body: string) => `--${boundary}\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;

const call = (url: string, timeoutMs = 5000) =>
  callConverter({
    url,
    input: Buffer.from('image'),
    contentType: 'image/png',
    params: {},
    signal: new AbortController().signal,
    timeoutMs,
    requestId: 'job-1',
    runnerId: 'runner-1',
    onProgress: () => {},
  });

describe('a converter answering with progress parts', () => {
  it('that outlasts the timeout mid-stream: a timeout, not a failure to retry', async () => {
    const url = await converter((response) => {
      response.writeHead(200, { 'content-type': `multipart/mixed; boundary=${boundary}` });
      // Progress every 100 ms, for ever.
      const timer = setInterval(() => response.write(part('application/json', '{"progress":0.1}')), 100);
      response.on('close', () => clearInterval(timer));
    });
    const outcome = await call(url, 700);
    expect(outcome.kind).toBe('timeout');
  });

  it('that turns out to be busy after the answer began: busy, to be waited out', async () => {
    const url = await converter((response) => {
      response.writeHead(200, { 'content-type': `multipart/mixed; boundary=${boundary}` });
      response.end(
        part('application/json', '{"error":{"code":"SERVICE_UNAVAILABLE","message":"busy"}}') +
          `--${boundary}--\r\n`,
      );
    });
    expect(await call(url)).toMatchObject({ kind: 'busy' });
  });

  it('that sends the image: the image, and the connection is left clean', async () => {
    const url = await converter((response) => {
      response.writeHead(200, { 'content-type': `multipart/mixed; boundary=${boundary}` });
      response.end(
        `${part('application/json', '{"progress":0.5}')}${part('image/png', 'PNG')}--${boundary}--\r\n`,
      );
    });
    for (let i = 0; i < 3; i++) {
      const outcome = await call(url);
      expect(outcome).toMatchObject({ kind: 'ok', contentType: 'image/png' });
      expect(outcome.kind === 'ok' && outcome.data.toString()).toBe('PNG');
    }
  });
});

describe('a converter refusing the input', () => {
  it('passes the code of a 4xx on (WORK_TOO_LARGE), so the job fails with it', async () => {
    const url = await converter((response) => {
      response.writeHead(422, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { code: 'WORK_TOO_LARGE', message: 'the result would be 7000×7000 pixels', details: {} },
        }),
      );
    });
    expect(await call(url)).toEqual({
      kind: 'rejected',
      code: 'WORK_TOO_LARGE',
      message: 'the result would be 7000×7000 pixels',
    });
  });

  it('answers CONVERTER_REJECTED for a 4xx whose code is not in the registry', async () => {
    const url = await converter((response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'MADE_UP', message: 'no' } }));
    });
    expect(await call(url)).toMatchObject({ kind: 'rejected', code: 'CONVERTER_REJECTED' });
  });
});

describe('a converter answering without end', () => {
  /** Writes 1 MiB chunks until the caller hangs up; counts what it wrote. */
  const endless = (type: string, status = 200) => {
    const sent = { bytes: 0 };
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    const url = converter((response) => {
      response.writeHead(status, { 'content-type': type });
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) sent.bytes += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    return { url, sent };
  };

  it('an image past the result limit: a failure, and the connection dropped', async () => {
    const { url, sent } = endless('image/png');
    const outcome = await call(await url);
    expect(outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(/more than \d+ bytes/) });
    // It stopped near the limit (64 MiB) rather than reading all the converter would send.
    expect(sent.bytes).toBeLessThan(128 * 1024 * 1024);
  });

  it('an error body without end: the status decides, the body is cut short', async () => {
    const { url } = endless('application/json', 422);
    expect(await call(await url)).toMatchObject({ kind: 'rejected', code: 'CONVERTER_REJECTED' });
  });
});

describe('a converter with something to say of its result', () => {
  it('passes X-Converter-Notice on, decoded, with the image', async () => {
    const url = await converter((response) => {
      response.writeHead(200, {
        'content-type': 'image/png',
        'x-converter-notice': encodeURIComponent('capped at 8192×5120 pixels'),
      });
      response.end('PNG');
    });
    expect(await call(url)).toMatchObject({ kind: 'ok', notice: 'capped at 8192×5120 pixels' });
  });
});
