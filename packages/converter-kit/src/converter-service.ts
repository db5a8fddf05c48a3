import { AppError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import {
  createHttpService,
  defaultHttpLimits,
  type HttpLimits,
  type HttpService,
} from '@pixelflow/service-kit';
import { MAX_BODY_BYTES } from './contract.ts';
import { ConversionsInFlight } from './in-flight.ts';
import { type HttpConverter, type MountOptions, mountConverter } from './mount.ts';

export interface ConverterServiceOptions {
  /** Service name, as it appears in logs and in `/healthz`. */
  name: string;
  logger: Logger;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Timeouts and connection caps of its HTTP server. @default defaultHttpLimits */
  http?: Partial<HttpLimits>;
  /** Throws while the converters cannot take work yet (a model still loading). @default always ready */
  readiness?: () => void;
  /** More of what `/healthz` says (a model converter's backend). */
  health?: () => Record<string, unknown>;
}

export interface ConverterService extends HttpService {
  /** Its conversions, drained at shutdown. */
  readonly inFlight: ConversionsInFlight;
  /** Serves a converter here: its conversions drain at shutdown, its `/readyz` follows the service's. */
  mount(converter: HttpConverter, options?: Omit<MountOptions, 'inFlight' | 'readiness'>): void;
}

/**
 * The HTTP service of a converter process, whatever its converters are made of: health and
 * readiness, the contract's body limit, and a shutdown that drains the conversions. Those running
 * when it begins get most of the close grace to finish; new ones are answered SHUTTING_DOWN, and
 * what still runs at the end of the grace is stopped and answered so too, which the conversion
 * service retries on another instance.
 */
export function createConverterService(options: ConverterServiceOptions): ConverterService {
  const { name } = options;
  const service = createHttpService({
    name,
    logger: options.logger,
    port: options.port,
    host: options.host,
    bodyLimit: MAX_BODY_BYTES,
    limits: options.http,
    readiness: options.readiness,
    health: options.health,
  });
  const inFlight = new ConversionsInFlight();
  // A second of the grace stays for the answers to leave before the connections are closed.
  const graceMs = Math.max(0, (options.http?.closeGraceMs ?? defaultHttpLimits.closeGraceMs) - 1000);
  service.onDrain(() => inFlight.drain(graceMs));
  // As the service's own /readyz answers, for each converter's `<prefix>/readyz`.
  const readiness = () => {
    if (service.closing) throw new AppError('SHUTTING_DOWN', `${name} is shutting down`);
    try {
      options.readiness?.();
    } catch (error) {
      throw new AppError('SERVICE_UNAVAILABLE', `${name} is not ready: ${(error as Error).message}`);
    }
  };
  return Object.assign(service, {
    inFlight,
    mount(converter: HttpConverter, mountOptions: Omit<MountOptions, 'inFlight' | 'readiness'> = {}) {
      mountConverter(service.app, converter, { service: name, ...mountOptions, inFlight, readiness });
    },
  });
}
