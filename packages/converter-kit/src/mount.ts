import { AppError, errorBody } from '@pixelflow/errors';
import { metrics } from '@pixelflow/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { classifyFailure, type Failure, sendBusy, sendShuttingDown, shuttingDownError } from './answers.ts';
import { imageBodyRoute, imageOf } from './body.ts';
import {
  type ConverterDescription,
  encodeNotice,
  MAX_BODY_BYTES,
  NOTICE_HEADER,
  PARAMS_HEADER,
} from './contract.ts';
import { ConversionsInFlight } from './in-flight.ts';
import { createInFlightLimit, type InFlightLimit } from './in-flight-limit.ts';
import { paramsValidator, parseParamsHeader } from './params.ts';
import { acceptsProgress, ProgressStreamWriter } from './progress-stream.ts';
import type { ConvertContext } from './types.ts';

/** The converters this process serves, for the backend gauge, read at each scrape. */
const mounted = new Set<{ service: string; id: string; converter: HttpConverter }>();
const conversions = metrics.conversions();
const durations = metrics.conversionDuration();
const inFlightGauge = metrics.converterInFlight();
const capacity = metrics.converterCapacity();
metrics.converterBackend(function collectBackends() {
  this.reset();
  for (const { service, id, converter } of mounted) {
    // A model converter says which backend it computes on once its model loaded; the others
    // compute in native code (libvips).
    const backend = converter.runtime ? converter.runtime().backend : 'native';
    if (backend) this.set({ service, converter: id, backend }, 1);
  }
});

/** A failed conversion's outcome: refused for its input (rejected), or the converter's own failure. */
const outcomeOf: Record<Failure['kind'], string> = {
  'shutting-down': 'shutting_down',
  busy: 'busy',
  known: 'rejected',
  unexpected: 'failed',
};

/** An image as bytes, with its media type. */
export interface EncodedImage {
  data: Buffer;
  /** For example `image/png`. */
  contentType: string;
  /** What the user should know of this result (the size was capped, a smaller copy was used). */
  notice?: string;
}

export interface HttpConvertContext extends ConvertContext {
  /** The request's `Content-Type`: what the caller says the bytes are (the bytes decide). */
  contentType: string;
}

/**
 * What `mountConverter` serves: image bytes in, image bytes out. Params arrive validated against
 * `description.params`, defaults filled in. A converter with `progress: true` reports through
 * `context.progress`; the progress answer starts with its first report, so that anything thrown
 * before it (a busy pool, a corrupt image) is still answered with its own status.
 */
export interface HttpConverter {
  readonly description: ConverterDescription;
  convert(input: Buffer, params: Record<string, unknown>, context: HttpConvertContext): Promise<EncodedImage>;
  /** What changes while it runs (a model converter's `backend`), added to `/describe` and `/healthz`. */
  runtime?(): { backend?: string | null };
}

export interface MountOptions {
  /** Path prefix such as `/grayscale`; '' mounts at the root, where the service's own health routes answer. @default '' */
  prefix?: string;
  /** Conversions allowed at once; beyond it `POST /convert` answers 503 busy. Share one between the converters of a process. @default createInFlightLimit(16) */
  limit?: InFlightLimit;
  /** The service's conversions, drained at shutdown (then new ones are answered SHUTTING_DOWN). @default one of its own, never drained */
  inFlight?: ConversionsInFlight;
  /** Throws an AppError while the converter cannot take work, for `<prefix>/readyz`. @default always ready */
  readiness?: () => void;
  /** Seconds a busy or shutting-down answer asks the caller to wait. @default 1 */
  retryAfterSeconds?: number;
  /** Largest request body in bytes; a larger one gets 413 PAYLOAD_TOO_LARGE. @default MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Least time between two progress parts, in ms (the last one, 1, always goes). @default 250 */
  progressEveryMs?: number;
  /** The service's name in its metrics. @default 'converter' */
  service?: string;
}

/**
 * Serves one converter over the plain HTTP contract in converters/openapi.yaml: `POST
 * <prefix>/convert`, `GET <prefix>/describe` and, under a non-empty prefix, `<prefix>/healthz`
 * and `<prefix>/readyz`. Errors are thrown as AppError for the service's JSON error handler; a
 * client that goes away cancels its conversion (`context.signal`).
 */
export function mountConverter(
  app: FastifyInstance,
  converter: HttpConverter,
  options: MountOptions = {},
): void {
  const { description } = converter;
  const {
    prefix = '',
    limit = createInFlightLimit(16),
    inFlight = new ConversionsInFlight(),
    readiness = () => {},
    retryAfterSeconds = 1,
    maxBodyBytes = MAX_BODY_BYTES,
    progressEveryMs = 250,
    service = 'converter',
  } = options;
  const validate = paramsValidator(description.id, description.params);
  const labels = { service, converter: description.id };
  mounted.add({ service, id: description.id, converter });
  if (Number.isFinite(limit.max)) capacity.set(labels, limit.max);
  inFlightGauge.set(labels, 0);
  const count = (outcome: string) => conversions.inc({ ...labels, outcome });

  // A plugin scope, so the byte parser applies to this converter's routes only. fastify loads it
  // with the app (ready or listen), so mounting needs no await.
  app.register(
    async (scope) => {
      const route = {
        ...imageBodyRoute(scope, maxBodyBytes),
        // A request that arrives once the drain began goes elsewhere, before its body is read;
        // one that arrived before it is served.
        onRequest: async (_request: FastifyRequest, reply: FastifyReply) => {
          if (inFlight.draining) return sendShuttingDown(reply, retryAfterSeconds);
        },
      };
      scope.post('/convert', route, async (request, reply) => {
        const params = validate(parseParamsHeader(request.headers[PARAMS_HEADER]));
        const input = imageOf(request);
        if (!limit.tryAcquire()) {
          count('busy');
          return sendBusy(reply, retryAfterSeconds, `${description.id} is busy; retry later`);
        }
        inFlightGauge.inc(labels);
        const started = performance.now();
        const cancel = cancelOnDisconnect(request, reply, inFlight.signal);
        const answer = new Answer(request, reply, {
          progress: description.progress && acceptsProgress(request.headers.accept),
          progressEveryMs,
        });
        try {
          const context = {
            contentType: String(request.headers['content-type']),
            signal: cancel.signal,
            progress: (fraction: number) => answer.progress(fraction),
          };
          const image = await inFlight.track(converter.convert(input, params, context));
          count('ok');
          durations.observe(labels, (performance.now() - started) / 1000);
          return answer.image(image);
        } catch (error) {
          if (cancel.clientGone) {
            count('cancelled');
            return answer.abandon();
          }
          const failure = classifyFailure(error, inFlight.signal);
          count(outcomeOf[failure.kind]);
          if (answer.streaming) return answer.failed(failure);
          if (failure.kind === 'shutting-down') return sendShuttingDown(reply, retryAfterSeconds);
          if (failure.kind === 'busy') return sendBusy(reply, retryAfterSeconds, failure.message);
          // The service's error handler answers an AppError with its code and logs the rest.
          throw failure.kind === 'known' ? failure.error : error;
        } finally {
          cancel.done();
          limit.release();
          inFlightGauge.dec(labels);
        }
      });

      scope.get('/describe', async () => ({ ...description, ...converter.runtime?.() }));

      // At the root the service's own /healthz and /readyz answer for the whole process.
      if (prefix !== '') {
        scope.get('/healthz', async () => ({
          ...converter.runtime?.(),
          status: 'ok',
          converter: description.id,
        }));
        scope.get('/readyz', async (_request, reply) => {
          try {
            readiness();
            return { status: 'ready', converter: description.id };
          } catch (error) {
            const failure =
              error instanceof AppError
                ? error
                : new AppError(
                    'SERVICE_UNAVAILABLE',
                    `${description.id} is not ready: ${(error as Error).message}`,
                  );
            return reply.code(failure.status).send(errorBody(failure.code, failure.message));
          }
        });
      }
    },
    { prefix },
  );
}

/**
 * One conversion's answer: a plain image, or, for a progress request, the progress stream, which
 * begins at the first progress report.
 */
class Answer {
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;
  readonly #wantsProgress: boolean;
  readonly #everyMs: number;
  #stream: ProgressStreamWriter | undefined;
  #lastAt = 0;

  constructor(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { progress: boolean; progressEveryMs: number },
  ) {
    this.#request = request;
    this.#reply = reply;
    this.#wantsProgress = options.progress;
    this.#everyMs = options.progressEveryMs;
  }

  get streaming(): boolean {
    return this.#stream !== undefined;
  }

  progress(fraction: number): void {
    if (!this.#wantsProgress || this.#stream?.ended) return;
    const now = Date.now();
    if (this.#stream && now - this.#lastAt < this.#everyMs && fraction < 1) return;
    this.#lastAt = now;
    this.#begin().progress(fraction);
  }

  image(image: EncodedImage): FastifyReply {
    if (!this.#stream) {
      if (image.notice) this.#reply.header(NOTICE_HEADER, encodeNotice(image.notice));
      return this.#reply.type(image.contentType).send(image.data);
    }
    this.#stream.progress(1);
    this.#stream.image(image.contentType, image.data, image.notice);
    return this.#reply;
  }

  /** A failure after the stream began: its last part. */
  failed(failure: Failure): FastifyReply {
    const stream = this.#begin();
    if (failure.kind === 'shutting-down') {
      const { code, message } = shuttingDownError();
      stream.error(code, message);
    } else if (failure.kind === 'busy') stream.error('SERVICE_UNAVAILABLE', failure.message);
    else if (failure.kind === 'known') stream.error(failure.error.code, failure.error.message);
    else {
      this.#request.log.error({ err: failure.error }, 'conversion failed');
      stream.error('INTERNAL_SERVER_ERROR', 'the conversion failed');
    }
    return this.#reply;
  }

  /** Nobody is left to answer: the connection is closed already. */
  abandon(): FastifyReply {
    if (!this.#stream) this.#reply.hijack();
    this.#reply.raw.destroy();
    return this.#reply;
  }

  #begin(): ProgressStreamWriter {
    if (this.#stream) return this.#stream;
    // Taken from fastify: the parts are written as the work advances.
    this.#reply.hijack();
    const stream = new ProgressStreamWriter(this.#reply.raw);
    this.#reply.raw.writeHead(200, { 'content-type': stream.contentType, 'cache-control': 'no-store' });
    this.#stream = stream;
    return stream;
  }
}

/**
 * An AbortSignal that fires when the client closes the connection before the answer is sent, or
 * when the service stops what still runs at the end of its shutdown grace.
 */
function cancelOnDisconnect(request: FastifyRequest, reply: FastifyReply, shutdown: AbortSignal) {
  const controller = new AbortController();
  const socket = request.raw.socket;
  const onClose = () => {
    if (!reply.raw.writableEnded) controller.abort(new Error('the client went away'));
  };
  socket.once('close', onClose);
  return {
    signal: AbortSignal.any([controller.signal, shutdown]),
    get clientGone() {
      return controller.signal.aborted;
    },
    done: () => socket.off('close', onClose),
  };
}
