/** The AI upscaling converter's worker thread: the model loads here, once, and converts here. */
import { runConverterWorker } from '@pixelflow/converter-kit';
import { createUpscaler } from './core/index.ts';

await runConverterWorker(createUpscaler());
