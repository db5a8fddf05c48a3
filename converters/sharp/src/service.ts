import type { Logger } from '@pixelflow/logger';
import { createHttpService, type HttpLimits, type HttpService } from '@pixelflow/service-kit';
import sharp from 'sharp';
import { DEFAULT_CONVERT_TIMEOUT_S, DEFAULT_MAX_OUTPUT_PIXELS, DEFAULT_MAX_PIXELS } from './converter.ts';
import { converterIds, converters } from './converters/index.ts';
import { DEFAULT_MAX_BODY_BYTES, mountConverter } from './http.ts';
import { createInFlightLimit } from './in-flight-limit.ts';

export interface SharpConverterServiceOptions {
  /** Ids of the converters to serve, each under `/<id>`. @default every sharp converter */
  ids?: readonly string[];
  logger: Logger;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
  /** Largest input image, in pixels. @default 50_000_000 */
  maxPixels?: number;
  /** Largest result of resize and rotate, unless no larger than the input. @default 25_000_000 */
  maxOutputPixels?: number;
  /**
   * Conversions at once, over all converters of the process, before `POST /convert` answers 503.
   * Each holds a decoded image in memory and, while it runs, one thread of libuv's pool (four
   * unless UV_THREADPOOL_SIZE says otherwise), which the process's crypto, fs and dns share.
   * @default 16
   */
  maxInFlight?: number;
  /** Longest one conversion may run, in seconds (then WORK_TOO_LARGE). @default 30 */
  timeoutSeconds?: number;
}

/**
 * One process serving sharp converters: each at `/<id>/convert`, `/<id>/describe`, … and, when it
 * serves exactly one, also at the root, so that a pod per converter has `/convert` at its root.
 */
export function createSharpConverterService(options: SharpConverterServiceOptions): HttpService {
  const {
    ids = converterIds,
    logger,
    port,
    host,
    maxPixels = DEFAULT_MAX_PIXELS,
    maxOutputPixels = DEFAULT_MAX_OUTPUT_PIXELS,
    maxInFlight = 16,
    timeoutSeconds = DEFAULT_CONVERT_TIMEOUT_S,
  } = options;
  const unknown = ids.filter((id) => !converterIds.includes(id));
  if (unknown.length > 0) {
    throw new Error(`unknown converter ${unknown.join(', ')}; known: ${converterIds.join(', ')}`);
  }
  if (ids.length === 0) throw new Error('no converter to serve');
  // libvips' operation cache pays off when the same image is processed again; a converter sees
  // each image once, so the cache only held memory (about 190 MB after 100 conversions).
  sharp.cache(false);
  const service = createHttpService({
    name: ids.length === 1 ? `converter-${ids[0]}` : 'converter-sharp',
    logger,
    port,
    host,
    bodyLimit: DEFAULT_MAX_BODY_BYTES,
    limits: options.http,
  });
  const limit = createInFlightLimit(maxInFlight);
  const ready = () => !service.closing;
  const served = converters.filter((converter) => ids.includes(converter.id));
  for (const converter of served) {
    mountConverter(service.app, converter, {
      prefix: `/${converter.id}`,
      maxPixels,
      maxOutputPixels,
      timeoutSeconds,
      limit,
      ready,
    });
  }
  if (served.length === 1) {
    mountConverter(service.app, served[0]!, {
      prefix: '',
      maxPixels,
      maxOutputPixels,
      timeoutSeconds,
      limit,
      ready,
    });
  }
  return service;
}
