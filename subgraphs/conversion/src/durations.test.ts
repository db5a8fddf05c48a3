import { createMemoryDrivers } from '@pixelflow/drivers';
import { afterEach, describe, expect, it } from 'vitest';
import { ConverterDurations } from './durations.ts';

const drivers = createMemoryDrivers();
afterEach(() => drivers.records.delete('stats:duration:deepdream'));

describe('ConverterDurations', () => {
  it('knows nothing before the first run, then follows a moving average', async () => {
    const durations = new ConverterDurations(drivers.records);
    expect(await durations.average('deepdream')).toBeNull();
    await durations.record('deepdream', 10_000);
    expect(await durations.average('deepdream')).toBe(10_000);
    await durations.record('deepdream', 20_000);
    // One slow run moves it a fifth of the way, not all of it.
    expect(await durations.average('deepdream')).toBe(12_000);
    expect(await durations.average('grayscale')).toBeNull();
  });

  it('is shared by every instance over the same store', async () => {
    await new ConverterDurations(drivers.records).record('deepdream', 4_000);
    expect(await new ConverterDurations(drivers.records).average('deepdream')).toBe(4_000);
  });
});
