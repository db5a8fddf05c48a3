/**
 * A test model converter: inverts colours in `steps` steps of `stepMs` each, reporting progress;
 * `stuck` makes a step that never yields (as a long TensorFlow op would), `fail` fails at the end;
 * FIXTURE_SETUP_FAILS in the environment makes loading the "model" fail. Under another converter's
 * description (whose params are not these) it takes 5 steps of FIXTURE_STEP_MS (default 20) each.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runConverterWorker } from '../src/worker.ts';

interface Params {
  steps?: number;
  stepMs?: number;
  stuck?: boolean;
  fail?: boolean;
}

await runConverterWorker({
  async setup() {
    await sleep(300);
    // Set by a test before the pool starts its workers (a worker copies the environment).
    if (process.env.FIXTURE_SETUP_FAILS) throw new Error('no weights here');
    return { backend: 'test' };
  },
  async convert(image, params: Params, { progress, signal }) {
    // Its own params always have stepMs (their schema's default); another converter's are not its.
    const own = params.stepMs !== undefined;
    const steps = own ? (params.steps ?? 5) : 5;
    const stepMs = params.stepMs ?? Number(process.env.FIXTURE_STEP_MS ?? 20);
    for (let i = 0; i < steps; i++) {
      if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (params.stuck) {
        const end = Date.now() + 30_000;
        while (Date.now() < end) {
          // busy, never yielding: only terminating the worker stops this
        }
      }
      await sleep(stepMs);
      progress((i + 1) / steps);
    }
    if (params.fail) throw Object.assign(new Error('the model broke'), { code: 'CORRUPT_IMAGE' });
    const data = new Uint8Array(image.data.length);
    for (let i = 0; i < data.length; i++) data[i] = 255 - image.data[i]!;
    return { data, width: image.width, height: image.height };
  },
});
