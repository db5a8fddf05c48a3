import { createModelConverterService, type ModelConverterServiceOptions } from '@pixelflow/converter-kit';
import { description } from './core/description.ts';

export { description };
export const workerUrl = new URL('./worker.ts', import.meta.url);

/** The AI upscaling converter as a service (HTTP on this thread, the model in worker threads). */
export function createUpscaleService(
  options: Omit<ModelConverterServiceOptions, 'description' | 'workerUrl'>,
) {
  return createModelConverterService({ ...options, description, workerUrl });
}
