import { runModelConverterMain } from '@pixelflow/converter-kit';
import { description, workerUrl } from './service.ts';

await runModelConverterMain(description, workerUrl);
