import sharp from 'sharp';
import { callConverter } from '../src/client/index.ts';

export interface ConvertOnceOptions {
  /** JSON params, sent in the params header. */
  params?: Record<string, unknown>;
  /** @default 'image/jpeg' */
  contentType?: string;
  /** @default 600_000 */
  timeoutMs?: number;
  /** Asks for progress parts (multipart/mixed), as the conversion service does. */
  progress?: boolean;
}

export interface ConvertedOnce {
  data: Buffer;
  width: number;
  height: number;
  notice: string | null;
}

/**
 * One conversion through a converter's HTTP contract, with the conversion service's own client:
 * the answer's image and size, and its notice. Any other answer throws, with its kind and message.
 */
export async function convertOnce(
  url: string,
  input: Buffer,
  options: ConvertOnceOptions = {},
): Promise<ConvertedOnce> {
  const outcome = await callConverter({
    url,
    input,
    contentType: options.contentType ?? 'image/jpeg',
    params: options.params ?? {},
    signal: new AbortController().signal,
    timeoutMs: options.timeoutMs ?? 600_000,
    requestId: 'once',
    runnerId: 'once',
    ...(options.progress ? { onProgress: () => {} } : {}),
  });
  if (outcome.kind !== 'ok') throw new Error(`${outcome.kind}: ${outcome.message}`);
  const { width = 0, height = 0 } = await sharp(outcome.data).metadata();
  return { data: outcome.data, width, height, notice: outcome.notice ?? null };
}
