/** The DeepDream converter's worker thread: the model loads here, once, and converts here. */
import { runConverterWorker } from '@pixelflow/converter-kit';
import { createDeepDream } from './core/index.ts';

await runConverterWorker(createDeepDream());
