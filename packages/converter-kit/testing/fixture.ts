import { createLogger } from '@pixelflow/logger';
import { modelConverterSettings } from '../src/env.ts';
import { createModelConverterService } from '../src/service.ts';
import type { ModelDescription } from '../src/types.ts';
import type { ContractSubject } from './contract.suite.ts';

/** A stand-in model worker that inverts colours in steps: see fixture-worker.ts. */
export const fixtureWorkerUrl = new URL('./fixture-worker.ts', import.meta.url);

/** The description the fixture worker's own params go with. */
export const fixtureDescription = (
  oversize: ModelDescription['oversize'] = 'downscale',
): ModelDescription => ({
  id: 'fixture',
  title: 'Fixture',
  description: 'Inverts colours slowly.',
  maxPixels: 64 * 64,
  oversize,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      steps: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
      stepMs: { type: 'integer', minimum: 0, maximum: 5000, default: 20 },
      stuck: { type: 'boolean', default: false },
      fail: { type: 'boolean', default: false },
    },
  },
});

/**
 * A model converter for the contract suite: its service with its real description and params, the
 * fixture worker in place of its model (which may take minutes to load). Under another
 * description than the fixture's, each conversion takes 5 steps of `stepMs`: long enough to be
 * busy or shut down in.
 */
export function modelContractSubject(
  description: ModelDescription,
  { stepMs = 300, slowParams = {} }: { stepMs?: number; slowParams?: Record<string, unknown> } = {},
): ContractSubject {
  return {
    async start() {
      // Read by the worker, which copies the environment when the pool starts it.
      process.env.FIXTURE_STEP_MS = String(stepMs);
      const service = createModelConverterService({
        description,
        workerUrl: fixtureWorkerUrl,
        logger: createLogger({ service: 'test', level: 'silent' }),
        host: '127.0.0.1',
        ...modelConverterSettings.defaults,
        maxQueue: 0,
        http: { closeGraceMs: 10_000 },
      });
      const { url } = await service.listen();
      await service.pool.whenReady();
      return { urls: { [description.id]: `${url}/${description.id}` }, close: () => service.close() };
    },
    slow: { id: description.id, params: slowParams },
  };
}
