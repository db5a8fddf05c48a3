import type { Dispatcher } from 'undici';

/**
 * The whole body, or null past `maxBytes`: then the connection is dropped rather than read to the
 * end, so that a converter that answers without end cannot fill the memory of the caller.
 */
export async function readAtMost(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
