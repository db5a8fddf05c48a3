import { Readable } from 'node:stream';
import { AppError, type ErrorCode } from '@pixelflow/errors';
import type { FileUpload } from 'graphql-upload/Upload.mjs';
import { describe, expect, it } from 'vitest';
import { readUpload } from './upload.ts';

/** What graphql-upload resolves an Upload to, reading from the given stream. */
function fileUpload(createReadStream: () => Readable): Promise<FileUpload> {
  return Promise.resolve({
    filename: 'photo.jpg',
    mimetype: 'image/jpeg',
    encoding: '7bit',
    createReadStream,
  } as unknown as FileUpload);
}

/** An endless stream of 1 KiB chunks that counts how many were produced. */
function endless() {
  const counter = { chunks: 0 };
  const stream = new Readable({
    read() {
      counter.chunks++;
      this.push(Buffer.alloc(1024, counter.chunks & 0xff));
    },
  });
  return { stream, counter };
}

async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const httpError = (status: number, message: string) => Object.assign(new Error(message), { status });

describe('readUpload', () => {
  it('joins every chunk of the file in order', async () => {
    const parts = [Buffer.from('first '), Buffer.from('second '), Buffer.from('third')];
    const data = await readUpload(
      fileUpload(() => Readable.from(parts)),
      1024,
    );
    expect(data.toString()).toBe('first second third');
  });

  it('accepts a file of exactly maxBytes and refuses one byte more', async () => {
    const exact = await readUpload(
      fileUpload(() => Readable.from([Buffer.alloc(6), Buffer.alloc(4)])),
      10,
    );
    expect(exact.length).toBe(10);
    const error = await failure(
      readUpload(
        fileUpload(() => Readable.from([Buffer.alloc(6), Buffer.alloc(5)])),
        10,
      ),
      'PAYLOAD_TOO_LARGE',
    );
    expect(error.details).toEqual({ maxBytes: 10 });
    expect(error.message).toContain('10 bytes');
  });

  it('stops reading and destroys the stream as soon as the size passes maxBytes', async () => {
    const { stream, counter } = endless();
    await failure(
      readUpload(
        fileUpload(() => stream),
        10 * 1024,
      ),
      'PAYLOAD_TOO_LARGE',
    );
    expect(stream.destroyed).toBe(true);
    const produced = counter.chunks;
    // 11 chunks pass the cap; the rest is what the stream buffered ahead (its 16 KiB high-water mark).
    expect(produced).toBeGreaterThanOrEqual(11);
    expect(produced).toBeLessThanOrEqual(11 + 17);
    await new Promise((resolve) => setImmediate(resolve));
    expect(counter.chunks).toBe(produced);
  });

  it('refuses an empty file as UNSUPPORTED_IMAGE', async () => {
    const error = await failure(
      readUpload(
        fileUpload(() => Readable.from([])),
        1024,
      ),
      'UNSUPPORTED_IMAGE',
    );
    expect(error.message).toMatch(/empty/);
  });

  it('turns a stream error with status 413 (graphql-upload maxFileSize) into PAYLOAD_TOO_LARGE', async () => {
    const stream = new Readable({
      read() {
        this.destroy(httpError(413, 'File truncated as it exceeds the 5242880 byte size limit.'));
      },
    });
    const error = await failure(
      readUpload(
        fileUpload(() => stream),
        5242880,
      ),
      'PAYLOAD_TOO_LARGE',
    );
    expect(error.details).toEqual({ maxBytes: 5242880 });
  });

  it('turns any other stream error into BAD_REQUEST with its message', async () => {
    let sent = false;
    const stream = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(Buffer.from('partial'));
        } else this.destroy(new Error('Request disconnected during file upload stream parsing.'));
      },
    });
    const error = await failure(
      readUpload(
        fileUpload(() => stream),
        1024,
      ),
      'BAD_REQUEST',
    );
    expect(error.message).toContain('Request disconnected');
  });

  it('turns a rejected upload promise into BAD_REQUEST, or PAYLOAD_TOO_LARGE for status 413', async () => {
    const broken = await failure(
      readUpload(Promise.reject(new Error('multipart body is malformed')), 1024),
      'BAD_REQUEST',
    );
    expect(broken.message).toContain('multipart body is malformed');
    await failure(readUpload(Promise.reject(httpError(413, 'too many bytes')), 1024), 'PAYLOAD_TOO_LARGE');
  });

  it('turns a createReadStream that throws (stream already read) into BAD_REQUEST', async () => {
    const upload = fileUpload(() => {
      throw new Error('createReadStream() was called after the upload was consumed');
    });
    const error = await failure(readUpload(upload, 1024), 'BAD_REQUEST');
    expect(error.message).toContain('createReadStream()');
  });
});
