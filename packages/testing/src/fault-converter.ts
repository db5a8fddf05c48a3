import { createServer, type IncomingMessage, type Server } from 'node:http';

/** How a test converter misbehaves. All follow converters/openapi.yaml otherwise. */
export type FaultMode =
  /** Answers with the input image unchanged after `delayMs`. */
  | 'slow'
  /** Answers 500 with a JSON error. */
  | 'fail'
  /** Drops the connection without an answer, as a converter that died mid-request. */
  | 'die'
  /** Reports progress (multipart/mixed, when asked) in five steps over `delayMs`, then the input. */
  | 'progress'
  /** Answers the first two calls of each job 503 with `Retry-After: 1`, then the input. */
  | 'busy';

export interface ConverterCall {
  mode: FaultMode;
  jobId: string | undefined;
  runner: string | undefined;
  at: number;
}

export interface FaultConverters {
  /** Base URL of each mode's converter: `<url>/<mode>`. */
  urls: Record<FaultMode, string>;
  calls: ConverterCall[];
  close(): Promise<void>;
}

/** The delay a call asks for in its params (`delayMs`), else the server's. */
function callDelay(request: IncomingMessage, fallback: number): number {
  try {
    const { delayMs } = JSON.parse(String(request.headers['x-converter-params'] ?? '{}')) as {
      delayMs?: unknown;
    };
    return typeof delayMs === 'number' ? delayMs : fallback;
  } catch {
    return fallback;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A real HTTP converter server for fault tests: `/slow`, `/fail` and `/die` each speak the
 * converter contract (describe, healthz, convert) and misbehave only in how they convert.
 */
export async function startFaultConverters({ delayMs = 1500 } = {}): Promise<FaultConverters> {
  const calls: ConverterCall[] = [];
  const server: Server = createServer(async (request, response) => {
    const [, mode, action] = (request.url ?? '').split('?')[0]!.split('/') as [string, FaultMode, string];
    if (!['slow', 'fail', 'die', 'progress', 'busy'].includes(mode)) {
      response.writeHead(404).end();
      return;
    }
    if (action === 'healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (action === 'describe') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: mode,
          title: `Test converter (${mode})`,
          description: 'Misbehaves on purpose, for fault tests.',
          // delayMs: this call's own delay (slow and progress), for tests that need one long job.
          params: {
            type: 'object',
            additionalProperties: false,
            properties: { delayMs: { type: 'integer', minimum: 0, maximum: 600_000 } },
          },
          progress: mode === 'progress',
        }),
      );
      return;
    }
    if (action !== 'convert' || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    const body = await readBody(request);
    const delay = callDelay(request, delayMs);
    calls.push({
      mode,
      jobId: request.headers['x-request-id'] as string | undefined,
      runner: request.headers['x-runner-id'] as string | undefined,
      at: Date.now(),
    });
    if (mode === 'busy') {
      const earlier = calls.filter((c) => c.mode === 'busy' && c.jobId === calls.at(-1)!.jobId).length - 1;
      if (earlier < 2) {
        response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(
          JSON.stringify({
            error: { code: 'SERVICE_UNAVAILABLE', message: 'the converter is busy; retry later' },
          }),
        );
      } else {
        response.writeHead(200, { 'content-type': String(request.headers['content-type']) }).end(body);
      }
      return;
    }
    if (mode === 'die') {
      request.socket.destroy();
      return;
    }
    if (mode === 'fail') {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'the converter broke' } }));
      return;
    }
    if (mode === 'progress' && String(request.headers.accept).includes('multipart/mixed')) {
      const boundary = 'fixture-boundary';
      response.writeHead(200, { 'content-type': `multipart/mixed; boundary=${boundary}` });
      const part = (type: string, data: string | Buffer) =>
        response.write(
          Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Type: ${type}\r\n\r\n`),
            Buffer.from(data),
            Buffer.from('\r\n'),
          ]),
        );
      for (let step = 1; step <= 5; step++) {
        await new Promise((resolve) => setTimeout(resolve, delay / 5));
        part('application/json', JSON.stringify({ progress: step / 5 }));
      }
      part(String(request.headers['content-type']), body);
      response.end(`--${boundary}--\r\n`);
      return;
    }
    const timer = setTimeout(() => {
      response.writeHead(200, { 'content-type': String(request.headers['content-type']) }).end(body);
    }, delay);
    request.socket.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    urls: {
      slow: `${base}/slow`,
      fail: `${base}/fail`,
      die: `${base}/die`,
      progress: `${base}/progress`,
      busy: `${base}/busy`,
    },
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
