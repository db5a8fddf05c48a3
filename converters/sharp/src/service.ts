import {
  type ConverterService,
  createConverterService,
  createInFlightLimit,
  type HttpConverter,
} from '@pixelflow/converter-kit';
import type { Logger } from '@pixelflow/logger';
import type { HttpLimits } from '@pixelflow/service-kit';
import sharp from 'sharp';
import {
  type Converter,
  type ConvertOptions,
  DEFAULT_CONVERT_TIMEOUT_S,
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
} from './converter.ts';
import { converterIds, converters } from './converters/index.ts';

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
 * A sharp converter as the converter SDK serves it, with this process's limits: they are passed
 * to each conversion and published in `/describe`. libvips cannot be interrupted, so a conversion
 * ignores the cancel signal and ends by itself, at the latest at its time limit.
 */
export function sharpHttpConverter(converter: Converter, limits: ConvertOptions = {}): HttpConverter {
  const {
    maxPixels = DEFAULT_MAX_PIXELS,
    maxOutputPixels = DEFAULT_MAX_OUTPUT_PIXELS,
    timeoutSeconds = DEFAULT_CONVERT_TIMEOUT_S,
  } = limits;
  return {
    description: {
      id: converter.id,
      title: converter.title,
      description: converter.description,
      params: converter.params,
      progress: false,
      maxPixels,
      maxOutputPixels,
    },
    convert: (input, params) =>
      converter.convert(input, params, { maxPixels, maxOutputPixels, timeoutSeconds }),
  };
}

/**
 * One process serving sharp converters: each at `/<id>/convert`, `/<id>/describe`, … and, when it
 * serves exactly one, also at the root, so that a pod per converter has `/convert` at its root.
 */
export function createSharpConverterService(options: SharpConverterServiceOptions): ConverterService {
  const { ids = converterIds, logger, port, host, maxInFlight = 16 } = options;
  const unknown = ids.filter((id) => !converterIds.includes(id));
  if (unknown.length > 0) {
    throw new Error(`unknown converter ${unknown.join(', ')}; known: ${converterIds.join(', ')}`);
  }
  if (ids.length === 0) throw new Error('no converter to serve');
  // libvips' operation cache pays off when the same image is processed again; a converter sees
  // each image once, so the cache only held memory (about 190 MB after 100 conversions).
  sharp.cache(false);
  const service = createConverterService({
    name: ids.length === 1 ? `converter-${ids[0]}` : 'converter-sharp',
    logger,
    port,
    host,
    http: options.http,
  });
  const limit = createInFlightLimit(maxInFlight);
  const served = converters
    .filter((converter) => ids.includes(converter.id))
    .map((converter) => sharpHttpConverter(converter, options));
  for (const converter of served) service.mount(converter, { prefix: `/${converter.description.id}`, limit });
  if (served.length === 1) service.mount(served[0]!, { prefix: '', limit });
  return service;
}
