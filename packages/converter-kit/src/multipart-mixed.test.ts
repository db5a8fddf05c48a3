import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mixedBoundary, readParts } from './multipart-mixed.ts';

const boundary = 'b0undary';
const image = Buffer.from([0xff, 0xd8, 0x0d, 0x0a, 0x2d, 0x2d, 0x62, 0x30, 0xff, 0xd9]); // CRLF and "--b0" inside
const body = Buffer.concat([
  Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n{"progress":0.5}\r\n`),
  Buffer.from(`--${boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: ${image.length}\r\n\r\n`),
  image,
  Buffer.from(`\r\n--${boundary}--\r\n`),
]);

async function collect(chunks: Buffer[]) {
  const parts = [];
  for await (const part of readParts(Readable.from(chunks), boundary, 1 << 20)) parts.push(part);
  return parts;
}

describe('multipart/mixed answers', () => {
  it('reads the boundary from the content type', () => {
    expect(mixedBoundary('multipart/mixed; boundary=abc')).toBe('abc');
    expect(mixedBoundary('multipart/mixed; boundary="a b"')).toBe('a b');
    expect(mixedBoundary('image/png')).toBeNull();
  });

  it('reads every part, however the body is cut into chunks', async () => {
    for (const size of [1, 2, 3, 7, 16, body.length]) {
      const chunks = [];
      for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
      const parts = await collect(chunks);
      expect(parts.map((p) => p.headers['content-type'])).toEqual(['application/json', 'image/jpeg']);
      expect(JSON.parse(parts[0]!.body.toString())).toEqual({ progress: 0.5 });
      expect(parts[1]!.body).toEqual(image);
    }
  });

  it('fails on a body that is cut off or too large', async () => {
    await expect(collect([body.subarray(0, body.length - 20)])).rejects.toThrow(/cut off|ends early/);
    await expect(collect([Buffer.from('no parts here')])).rejects.toThrow(/no parts/);
    const tooLarge = readParts(Readable.from([body]), boundary, 10);
    await expect(tooLarge.next()).rejects.toThrow(/larger than/);
  });
});
