import type { QuotaStore, WorkQueue } from '@pixelflow/drivers';
import { AppError } from '@pixelflow/errors';
import { addressKey, type Identity } from '@pixelflow/service-kit';

/**
 * How much work the conversion service takes on, per client and in all (README: Limits); the
 * defaults are in env.ts.
 */
export interface ConversionLimits {
  /** Length of the window the rate limits count in. */
  rateWindowMs: number;
  /** Conversions per window from one anonymous address. */
  anonymousRate: number;
  /** Conversions per window from one signed-in user. */
  userRate: number;
  /** Jobs one anonymous address may have queued or running at once. */
  anonymousActive: number;
  /** Jobs one signed-in user may have queued or running at once. */
  userActive: number;
  /** Of anonymousActive, jobs of heavy converters (`cost: heavy`). */
  anonymousActiveHeavy: number;
  /** Of userActive, jobs of heavy converters. */
  userActiveHeavy: number;
  /** Conversions queued or running over all instances; past it convertImage answers QUEUE_FULL. */
  maxQueueLength: number;
  /** Longest time a job waits in the queue before it fails with QUEUE_TIMEOUT. */
  maxQueueWaitMs: number;
}

/** Seconds a client is asked to wait when the queue is full: a few conversions' time. */
const QUEUE_FULL_RETRY_AFTER_S = 10;
/** Seconds a client is asked to wait when its own jobs fill its share: about one conversion. */
const ACTIVE_RETRY_AFTER_S = 5;

/** Who a quota counts for: a signed-in user by id, anyone else by address. */
export interface Client {
  /** `user:<id>` or `ip:<address>`; travels with the queue entry so that any runner frees the slot. */
  key: string;
  signedIn: boolean;
}

/** The quota key of a caller: a signed-in user by id, anyone else by address (an IPv6 one by its /64). */
export function clientOf(identity: Identity): Client {
  if (identity.userId) return { key: `user:${identity.userId}`, signedIn: true };
  return { key: `ip:${addressKey(identity.ip)}`, signedIn: false };
}

export interface AdmissionOptions {
  quotas: QuotaStore;
  queue: WorkQueue;
  limits: ConversionLimits;
  /** How long a job's slot lives without a heartbeat: the job's own TTL. */
  slotTtlMs: number;
}

/**
 * Decides whether a conversion may be queued: the queue is not full, the client has a free slot
 * for one more job queued or running, and its rate allows one more conversion this window. The
 * state lives in the shared store, so the limits hold over every instance. A slot is renewed with
 * the job's heartbeats and freed when the job ends; should every heartbeat stop, it lapses with
 * the job.
 */
export class Admission {
  readonly #o: AdmissionOptions;

  constructor(options: AdmissionOptions) {
    this.#o = options;
  }

  get limits(): ConversionLimits {
    return this.#o.limits;
  }

  /** How many jobs of one converter a client may have queued or running at once. */
  jobsAtOnce(heavy: boolean): { anonymous: number; signedIn: number } {
    const { limits } = this.#o;
    return heavy
      ? { anonymous: limits.anonymousActiveHeavy, signedIn: limits.userActiveHeavy }
      : { anonymous: limits.anonymousActive, signedIn: limits.userActive };
  }

  /**
   * Takes a slot (and one of the heavy converters' slots for a heavy one) and a use of the rate
   * for `jobId`, or throws QUEUE_FULL or RATE_LIMITED.
   */
  async admit(client: Client, jobId: string, { heavy = false }: { heavy?: boolean } = {}): Promise<void> {
    const { quotas, queue, limits, slotTtlMs } = this.#o;
    // A soft bound: instances admitting at the same moment may pass it by a few entries.
    const queued = await queue.length();
    if (queued >= limits.maxQueueLength) {
      throw new AppError('QUEUE_FULL', 'the conversion queue is full; retry later', {
        retryAfter: QUEUE_FULL_RETRY_AFTER_S,
        maxQueueLength: limits.maxQueueLength,
      });
    }
    const active = client.signedIn ? limits.userActive : limits.anonymousActive;
    const slot = await quotas.acquire(activeKey(client.key), jobId, { limit: active, ttlMs: slotTtlMs });
    if (!slot.ok) {
      throw new AppError(
        'RATE_LIMITED',
        `you have ${active} conversions queued or running; wait for one to finish`,
        { retryAfter: ACTIVE_RETRY_AFTER_S, limit: 'active', maxActive: active },
      );
    }
    if (heavy) {
      // A neural network per image: one client's many jobs must not fill the few workers there are.
      const share = client.signedIn ? limits.userActiveHeavy : limits.anonymousActiveHeavy;
      const heavySlot = await quotas.acquire(heavyKey(client.key), jobId, { limit: share, ttlMs: slotTtlMs });
      if (!heavySlot.ok) {
        await this.release(client.key, jobId);
        throw new AppError(
          'RATE_LIMITED',
          `you have ${share} ${share === 1 ? 'conversion' : 'conversions'} of a heavy converter (DeepDream, upscaling) queued or running; wait for ${share === 1 ? 'it' : 'one'} to finish`,
          { retryAfter: ACTIVE_RETRY_AFTER_S, limit: 'active-heavy', maxActive: share },
        );
      }
    }
    const rate = client.signedIn ? limits.userRate : limits.anonymousRate;
    const use = await quotas.take(rateKey(client.key), rate, limits.rateWindowMs).catch(async (error) => {
      await this.release(client.key, jobId);
      throw error;
    });
    if (!use.ok) {
      await this.release(client.key, jobId);
      const retryAfter = Math.max(1, Math.ceil(use.resetMs / 1000));
      throw new AppError(
        'RATE_LIMITED',
        `at most ${rate} conversions per ${limits.rateWindowMs / 1000} s; retry in ${retryAfter} s`,
        { retryAfter, limit: 'rate', maxConversions: rate, windowSeconds: limits.rateWindowMs / 1000 },
      );
    }
  }

  /** Keeps the slots of jobs still alive (queued or running). */
  async renew(clientKey: string, jobIds: readonly string[]): Promise<void> {
    const { quotas, slotTtlMs } = this.#o;
    // A light job has no heavy slot: renewing what is not held does nothing.
    await Promise.all(
      [activeKey, heavyKey, heavyTurnKey].map((key) => quotas.renew(key(clientKey), jobIds, slotTtlMs)),
    );
  }

  /**
   * Whether `jobId` may be the client's one heavy conversion that runs now (its turn is then held
   * like its slots, until the job ends). While another of the client's heavy jobs runs, this one
   * waits, and the converter goes to other clients' jobs: one person's many jobs take turns with
   * everyone else's instead of going first.
   */
  async takeHeavyTurn(clientKey: string, jobId: string): Promise<boolean> {
    const { quotas, slotTtlMs } = this.#o;
    return (await quotas.acquire(heavyTurnKey(clientKey), jobId, { limit: 1, ttlMs: slotTtlMs })).ok;
  }

  /** Frees a finished (or given-up) job's slots, and its heavy turn. */
  async release(clientKey: string, jobId: string): Promise<void> {
    const { quotas } = this.#o;
    await Promise.all(
      [activeKey, heavyKey, heavyTurnKey].map((key) => quotas.release(key(clientKey), jobId)),
    );
  }
}

const activeKey = (clientKey: string) => `quota:active:${clientKey}`;
const heavyKey = (clientKey: string) => `quota:active-heavy:${clientKey}`;
const heavyTurnKey = (clientKey: string) => `quota:heavy-turn:${clientKey}`;
const rateKey = (clientKey: string) => `quota:rate:${clientKey}`;
