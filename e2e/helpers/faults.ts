import { type FaultConverters, startFaultConverters } from '@pixelflow/testing';
import { afterAll, beforeAll } from 'vitest';

/**
 * The misbehaving test converters for one test file, started before its cluster (call this before
 * useCluster, whose extraConverters read the URLs) and stopped after it.
 */
export function useFaultConverters(options: { delayMs?: number } = {}): FaultConverters {
  let started: FaultConverters | undefined;
  beforeAll(async () => {
    started = await startFaultConverters(options);
  });
  afterAll(() => started?.close());
  const get = () => {
    if (!started) throw new Error('the fault converters are not started yet');
    return started;
  };
  return {
    get urls() {
      return get().urls;
    },
    get calls() {
      return get().calls;
    },
    close: () => get().close(),
  };
}
