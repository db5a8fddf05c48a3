import type { RecordStore } from '@pixelflow/drivers';

/** How long the average is remembered without a conversion: a week. */
const KEPT_MS = 7 * 24 * 3_600_000;
/** The weight of the newest duration in the moving average. */
const WEIGHT = 0.2;

const key = (converter: string) => `stats:duration:${converter}`;

/**
 * How long each converter's conversions take on this installation: a moving average of the
 * successful runs, shared by every instance, for the queue's estimates. Instances that record at
 * the same moment may drop one sample; an average does not mind.
 */
export class ConverterDurations {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  async record(converter: string, ms: number): Promise<void> {
    const fields = { averageMs: String(Math.round(ms)), samples: '1' };
    if (await this.#records.create(key(converter), fields, KEPT_MS)) return;
    const current = await this.#records.get(key(converter));
    const previous = Number(current?.fields.averageMs);
    const samples = Number(current?.fields.samples ?? 0) + 1;
    const averageMs = Number.isFinite(previous) ? previous + WEIGHT * (ms - previous) : ms;
    await this.#records.update(
      key(converter),
      { averageMs: String(Math.round(averageMs)), samples: String(samples) },
      { ttlMs: KEPT_MS },
    );
  }

  /** The average duration of a conversion, in ms, or null before the first one. */
  async average(converter: string): Promise<number | null> {
    const value = Number((await this.#records.get(key(converter)))?.fields.averageMs);
    return Number.isFinite(value) && value > 0 ? value : null;
  }
}
