import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeConverter, parseDescription } from './describe.ts';

const rotate = {
  id: 'rotate',
  title: 'Rotate',
  description: 'Turns the image.',
  params: {},
  progress: false,
};

describe('parseDescription', () => {
  it('takes a description as the spec has it, extra fields and all', () => {
    expect(parseDescription({ ...rotate, maxPixels: 7, oversize: 'refuse' })).toEqual({
      ...rotate,
      maxPixels: 7,
      oversize: 'refuse',
    });
  });

  it('reads a missing params as none and a missing progress as none', () => {
    const { params: _params, progress: _progress, ...bare } = rotate;
    expect(parseDescription(bare)).toEqual({ ...bare, params: {}, progress: false });
  });

  it.each([
    ['not an object', []],
    ['without a title', { ...rotate, title: undefined }],
    ['with params that are no schema', { ...rotate, params: 'angle' }],
    ['with progress that is no boolean', { ...rotate, progress: 'yes' }],
  ])('refuses one %s', (_label, value) => {
    expect(() => parseDescription(value)).toThrow();
  });
});

describe('describeConverter', () => {
  it('refuses a description past a mebibyte instead of reading it all', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expect(describeConverter(url)).rejects.toThrow(/more than 1048576 bytes/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
