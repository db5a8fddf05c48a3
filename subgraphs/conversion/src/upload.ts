import { AppError } from '@pixelflow/errors';
import type { FileUpload } from 'graphql-upload/Upload.mjs';

const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `the file is larger than ${maxBytes} bytes`, { maxBytes });

/**
 * Reads an uploaded file into memory, stopping as soon as it passes maxBytes so that an
 * oversized upload never sits in memory whole.
 */
export async function readUpload(upload: Promise<FileUpload>, maxBytes: number): Promise<Buffer> {
  let file: FileUpload;
  try {
    file = await upload;
  } catch (error) {
    if ((error as { status?: number }).status === 413) throw tooLarge(maxBytes);
    throw new AppError('BAD_REQUEST', `the upload failed: ${(error as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let stream: ReturnType<FileUpload['createReadStream']> | undefined;
  try {
    stream = file.createReadStream();
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    stream?.destroy();
    if (error instanceof AppError) throw error;
    if ((error as { status?: number }).status === 413) throw tooLarge(maxBytes);
    throw new AppError('BAD_REQUEST', `the upload failed: ${(error as Error).message}`);
  }
  if (size === 0) throw new AppError('UNSUPPORTED_IMAGE', 'the file is empty');
  return Buffer.concat(chunks, size);
}
