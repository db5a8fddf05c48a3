import {
  type ConverterService,
  createConverterService,
  createInFlightLimit,
  type HttpConverter,
} from '@pixelflow/converter-kit';
import type { Logger } from '@pixelflow/logger';
import type { HttpLimits } from '@pixelflow/service-kit';
import sharp from 'sharp';
import type { Converter, ConvertOptions } from './converter.ts';
import { converterIds, converters } from './converters/index.ts';
import type { SharpSettings } from './env.ts';

/** The settings (SharpSettings) have their defaults in env.ts only: `sharpSettings.defaults`. */
export interface SharpConverterServiceOptions extends SharpSettings {
  /** Ids of the converters to serve, each under `/<id>`. @default every sharp converter */
  ids?: readonly string[];
  logger: Logger;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
}

/**
 * A sharp converter as the converter SDK serves it, with this process's limits: they are passed
 * to each conversion and published in `/describe`. libvips cannot be interrupted, so a conversion
 * ignores the cancel signal and ends by itself, at the latest at its time limit.
 */
export function sharpHttpConverter(converter: Converter, limits: Required<ConvertOptions>): HttpConverter {
  const { maxPixels, maxOutputPixels, timeoutSeconds } = limits;
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
  const { ids = converterIds, logger, port, host, maxInFlight } = options;
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
