import { setTimeout as sleep } from 'node:timers/promises';
import {
  createConverterService,
  createInFlightLimit,
  type HttpConverter,
  sendBusy,
} from '@pixelflow/converter-kit';
import { AppError } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';

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
  | 'busy'
  /** Like `slow`, but describes itself as `cost: heavy` and takes two conversions at a time. */
  | 'heavy';

const modes: readonly FaultMode[] = ['slow', 'fail', 'die', 'progress', 'busy', 'heavy'];

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

export interface FaultConverterOptions {
  /** How long `slow` and `progress` take, unless a call's params say (`delayMs`). @default 1500 */
  delayMs?: number;
  /** How long close() lets running conversions finish before it stops them. @default 0 */
  closeGraceMs?: number;
}

/** One mode's converter: the input comes back as it came, after the mode's delay. */
function faultConverter(mode: FaultMode, delayMs: number): HttpConverter {
  return {
    description: {
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
      ...(mode === 'heavy' ? { cost: 'heavy' as const } : {}),
    },
    async convert(input, params, { contentType, signal, progress }) {
      const delay = typeof params.delayMs === 'number' ? params.delayMs : delayMs;
      if (mode === 'fail') throw new AppError('INTERNAL_SERVER_ERROR', 'the converter broke');
      if (mode === 'progress') {
        for (let step = 1; step <= 5; step++) {
          await sleep(delay / 5, undefined, { signal });
          progress(step / 5);
        }
      } else if (mode === 'slow' || mode === 'heavy') {
        await sleep(delay, undefined, { signal });
      }
      return { data: input, contentType };
    },
  };
}

/**
 * A real HTTP converter server for fault tests, built on the converter SDK like the converters we
 * ship: `/slow`, `/fail`, `/die`, `/progress` and `/busy` each speak the converter contract
 * (describe, healthz, convert) and misbehave only in how they convert.
 */
export async function startFaultConverters({
  delayMs = 1500,
  closeGraceMs = 0,
}: FaultConverterOptions = {}): Promise<FaultConverters> {
  const calls: ConverterCall[] = [];
  const service = createConverterService({
    name: 'fault-converters',
    logger: createLogger({ service: 'fault-converters', level: 'silent' }),
    host: '127.0.0.1',
    http: { closeGraceMs },
  });
  // Every call is counted, also those that die or are sent away busy.
  service.app.addHook('preHandler', async (request, reply) => {
    const [, mode, action] = request.url.split('?', 1)[0]!.split('/') as [string, FaultMode, string];
    if (request.method !== 'POST' || action !== 'convert') return;
    const jobId = request.headers['x-request-id'] as string | undefined;
    calls.push({ mode, jobId, runner: request.headers['x-runner-id'] as string | undefined, at: Date.now() });
    if (mode === 'die') {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    const earlier = calls.filter((call) => call.mode === 'busy' && call.jobId === jobId).length - 1;
    if (mode === 'busy' && earlier < 2) return sendBusy(reply, 1, 'the converter is busy; retry later');
  });
  // No limit of their own: the tests decide how much runs at once.
  const limit = createInFlightLimit(Number.POSITIVE_INFINITY);
  // The heavy one stands for a model converter: a couple of workers, then 503 busy.
  const heavyLimit = createInFlightLimit(2);
  for (const mode of modes) {
    const modeLimit = mode === 'heavy' ? heavyLimit : limit;
    service.mount(faultConverter(mode, delayMs), {
      prefix: `/${mode}`,
      limit: modeLimit,
      progressEveryMs: 0,
    });
  }
  const { url } = await service.listen();
  return {
    urls: Object.fromEntries(modes.map((mode) => [mode, `${url}/${mode}`])) as Record<FaultMode, string>,
    calls,
    close: () => service.close(),
  };
}
