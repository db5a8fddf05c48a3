import {
  type ConverterDescription,
  describeConverter,
  type ParamsValidator,
  paramsValidator,
} from '@pixelflow/converter-kit/client';
import { AppError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import { Upstream } from '@pixelflow/service-kit';
import { metrics } from '@pixelflow/telemetry';

const healthyGauge = metrics.converterHealthy();

export interface ConverterEntry {
  id: string;
  /** Base URL: `<url>/convert`, `<url>/describe`, `<url>/healthz`. */
  url: string;
}

export interface ConverterState extends ConverterEntry {
  description: ConverterDescription | null;
  healthy: boolean;
  /** The params' validator (the converters' own rules), compiled once per description. */
  validate: ParamsValidator | null;
}

export type DescribedConverter = ConverterState & {
  description: ConverterDescription;
  validate: ParamsValidator;
};

/** Parses `id=url` pairs, comma-separated (the CONVERTERS setting). */
export function parseConverterList(value: string): ConverterEntry[] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`"${pair}" is not id=url`);
      const id = pair.slice(0, at).trim();
      const url = pair
        .slice(at + 1)
        .trim()
        .replace(/\/+$/, '');
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id))
        throw new Error(`"${id}" is not a converter id (a-z, 0-9, -)`);
      if (!/^https?:\/\//.test(url)) throw new Error(`"${url}" is not an http(s) URL`);
      return { id, url };
    });
}

export interface ConverterRegistryOptions {
  converters: readonly ConverterEntry[];
  logger: Logger;
  /** How often every converter's health is checked. */
  healthIntervalMs: number;
}

/**
 * The converters from configuration, each described by its own `/describe` and watched through
 * `/healthz`. A converter that cannot be reached stays listed, unhealthy, and is described as soon
 * as it answers.
 */
export class ConverterRegistry {
  readonly #states = new Map<string, ConverterState>();
  readonly #logger: Logger;
  readonly #healthIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor({ converters, logger, healthIntervalMs }: ConverterRegistryOptions) {
    for (const entry of converters) {
      this.#states.set(entry.id, { ...entry, description: null, healthy: false, validate: null });
    }
    this.#logger = logger;
    this.#healthIntervalMs = healthIntervalMs;
  }

  /** Checks every converter now, then keeps checking in the background. */
  async start(): Promise<void> {
    await this.checkAll();
    this.#timer = setInterval(() => void this.checkAll(), this.#healthIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  list(): ConverterState[] {
    return [...this.#states.values()];
  }

  get(id: string): ConverterState | undefined {
    return this.#states.get(id);
  }

  /** The converter, described; UNKNOWN_CONVERTER or SERVICE_UNAVAILABLE otherwise. */
  async require(id: string): Promise<DescribedConverter> {
    const state = this.#states.get(id);
    if (!state) {
      throw new AppError('UNKNOWN_CONVERTER', `no converter "${id}"`, { known: [...this.#states.keys()] });
    }
    if (!state.description || !state.validate) await this.#check(state);
    if (!state.description || !state.validate) {
      throw new AppError('SERVICE_UNAVAILABLE', `the converter "${id}" is not reachable; retry later`);
    }
    return state as DescribedConverter;
  }

  /** Validates params against the converter's schema and fills in its defaults (GraphQL's null is none). */
  validateParams(converter: DescribedConverter, params: unknown): Record<string, unknown> {
    return converter.validate(params ?? undefined);
  }

  async checkAll(): Promise<void> {
    await Promise.all([...this.#states.values()].map((state) => this.#check(state)));
  }

  async #check(state: ConverterState): Promise<void> {
    const upstream = new Upstream({ urls: [state.url], name: `converter ${state.id}` });
    const wasHealthy = state.healthy;
    try {
      const health = await upstream.request('/healthz', { timeoutMs: 2000 });
      await health.body.dump();
      state.healthy = health.statusCode === 200;
    } catch {
      state.healthy = false;
    }
    // Describe on first contact and whenever a converter comes back: it may have been redeployed.
    if (state.healthy && (!state.description || !wasHealthy)) {
      try {
        const description = await describeConverter(state.url, { timeoutMs: 5000 });
        state.validate = paramsValidator(state.id, description.params);
        state.description = description;
      } catch (error) {
        this.#logger.warn({ err: error, converter: state.id }, 'converter description unusable');
        state.healthy = false;
      }
    }
    healthyGauge.set({ service: 'conversion', converter: state.id }, state.healthy ? 1 : 0);
    if (state.healthy !== wasHealthy) {
      this.#logger.info(
        { converter: state.id, url: state.url, healthy: state.healthy },
        'converter health changed',
      );
    }
  }
}
