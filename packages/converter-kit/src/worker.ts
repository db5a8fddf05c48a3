import { parentPort } from 'node:worker_threads';
import type { ModelConverter, RawImage } from './types.ts';

/** main → worker */
export type ToWorker =
  | { type: 'convert'; id: number; image: RawImage; params: Record<string, unknown> }
  | { type: 'abort'; id: number };

/** worker → main */
export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'setup-failed'; message: string }
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'done'; id: number; image: RawImage }
  | { type: 'failed'; id: number; error: { name: string; message: string; code?: string } };

/**
 * The body of a converter's worker thread: sets the model up once, then converts one image at a
 * time on request, reporting progress and honouring aborts between steps.
 */
export async function runConverterWorker(converter: ModelConverter<never>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runConverterWorker must run in a worker thread');
  const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  const aborts = new Map<number, AbortController>();

  port.on('message', async (message: ToWorker) => {
    if (message.type === 'abort') {
      aborts.get(message.id)?.abort(new Error('aborted'));
      return;
    }
    const controller = new AbortController();
    aborts.set(message.id, controller);
    let last = -1;
    try {
      const image = await converter.convert(message.image, message.params as never, {
        signal: controller.signal,
        progress(fraction) {
          const value = Math.min(1, Math.max(0, fraction));
          if (value <= last) return;
          last = value;
          post({ type: 'progress', id: message.id, fraction: value });
        },
      });
      // A copy of the pixels owns its buffer, so it can be transferred rather than cloned (the
      // core's array may be a view into WebAssembly memory, which cannot be transferred).
      const data = image.data.slice();
      post({ type: 'done', id: message.id, image: { ...image, data } }, [data.buffer]);
    } catch (error) {
      const { name = 'Error', message: text = String(error), code } = error as Error & { code?: string };
      post({ type: 'failed', id: message.id, error: { name, message: text, code } });
    } finally {
      aborts.delete(message.id);
    }
  });

  try {
    const { backend } = await converter.setup();
    post({ type: 'ready', backend });
  } catch (error) {
    post({ type: 'setup-failed', message: (error as Error).stack ?? String(error) });
  }
}
