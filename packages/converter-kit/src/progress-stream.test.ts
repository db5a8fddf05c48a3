import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  acceptsProgress,
  type ProgressEvent,
  ProgressStreamWriter,
  readProgressStream,
} from './progress-stream.ts';

/** A sink that keeps what is written, as a ServerResponse would send it. */
function sink() {
  const chunks: Buffer[] = [];
  const out = {
    ended: false,
    write: (chunk: string | Buffer) => chunks.push(Buffer.from(chunk)),
    end: (chunk: string | Buffer) => {
      chunks.push(Buffer.from(chunk));
      out.ended = true;
    },
    bytes: () => Buffer.concat(chunks),
  };
  return out;
}

async function read(bytes: Buffer, contentType: string): Promise<ProgressEvent[]> {
  const events = [];
  // One byte at a time: the reader must not care how the body is cut.
  const chunks = [...bytes].map((byte) => Buffer.from([byte]));
  for await (const event of readProgressStream(Readable.from(chunks), contentType, 1 << 20))
    events.push(event);
  return events;
}

// The writer is the converters' half, the reader the conversion service's: one codec, both ways.
describe('the progress stream', () => {
  it('carries rising progress, then the image, and ends', async () => {
    const out = sink();
    const writer = new ProgressStreamWriter(out);
    const image = Buffer.from([0x89, 0x50, 0x0d, 0x0a, 0x2d, 0x2d, 0x70]); // CRLF and "--p" inside
    for (const fraction of [0, 0.5, 0.4, 0.5, 2]) writer.progress(fraction);
    writer.image('image/png', image);
    writer.progress(1); // after the end: nothing
    expect(out.ended).toBe(true);
    expect(await read(out.bytes(), writer.contentType)).toEqual([
      { type: 'progress', fraction: 0 },
      { type: 'progress', fraction: 0.5 },
      { type: 'progress', fraction: 1 },
      { type: 'image', data: image, contentType: 'image/png', notice: null },
    ]);
  });

  it('carries a notice on the image part, any text, and reads a damaged one as none', async () => {
    const out = sink();
    const writer = new ProgressStreamWriter(out);
    const notice = 'upscaled to 4096×2560: the largest result it makes\r\nX-Injected: no';
    writer.image('image/png', Buffer.from([1]), notice);
    const [event] = await read(out.bytes(), writer.contentType);
    expect(event).toMatchObject({ type: 'image', notice });
    // Percent-encoded, the notice cannot end the part's headers early.
    expect(out.bytes().toString()).not.toContain('\r\nX-Injected');
    const damaged = out
      .bytes()
      .toString()
      .replace(/x-converter-notice: \S+/, 'x-converter-notice: %E0%A4%A');
    expect(await read(Buffer.from(damaged), writer.contentType)).toMatchObject([
      { type: 'image', notice: null },
    ]);
  });

  it('carries a failure after the answer began as its last part', async () => {
    const out = sink();
    const writer = new ProgressStreamWriter(out, 'b0undary');
    expect(writer.contentType).toBe('multipart/mixed; boundary=b0undary');
    writer.progress(0.25);
    writer.error('SHUTTING_DOWN', 'the converter is shutting down');
    writer.image('image/png', Buffer.from('late'));
    expect(await read(out.bytes(), writer.contentType)).toEqual([
      { type: 'progress', fraction: 0.25 },
      { type: 'error', code: 'SHUTTING_DOWN', message: 'the converter is shutting down' },
    ]);
  });

  it('skips parts it does not know, and refuses what is not a progress stream', async () => {
    const body = Buffer.from(
      '--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n' +
        '--b\r\nContent-Type: application/json\r\n\r\n{"note":1}\r\n' +
        '--b\r\nContent-Type: image/png\r\n\r\n\r\n' +
        '--b\r\nContent-Type: application/json\r\n\r\n{"progress":0.5}\r\n--b--\r\n',
    );
    expect(await read(body, 'multipart/mixed; boundary=b')).toEqual([{ type: 'progress', fraction: 0.5 }]);
    await expect(read(body, 'image/png')).rejects.toThrow(/not multipart\/mixed/);
  });

  it('is what an Accept header with multipart/mixed asks for', () => {
    expect(acceptsProgress('multipart/mixed, image/*')).toBe(true);
    expect(acceptsProgress('image/*')).toBe(false);
    expect(acceptsProgress(undefined)).toBe(false);
  });
});
