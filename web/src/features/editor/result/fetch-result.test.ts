import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchResult, resultFileName } from './fetch-result.ts';

const answer = (body: BodyInit | null, status: number, type: string) =>
  vi.fn(async () => new Response(body, { status, headers: { 'content-type': type } }));

const errorBody = (code: string, message = 'no') => JSON.stringify({ error: { code, message } });

describe('fetchResult (the download guard)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('hands over an image', async () => {
    vi.stubGlobal('fetch', answer(new Uint8Array([0x89, 0x50]), 200, 'image/png'));
    const result = await fetchResult('http://gw/jobs/j1/result');
    expect(result.kind).toBe('image');
    expect(result.kind === 'image' && result.blob.type).toBe('image/png');
  });

  it('says a 404 JOB_NOT_FOUND is an expired result', async () => {
    vi.stubGlobal('fetch', answer(errorBody('JOB_NOT_FOUND'), 404, 'application/json'));
    expect(await fetchResult('http://gw/jobs/j1/result')).toEqual({ kind: 'expired' });
  });

  it('never hands over an error body: a failed job’s 502, another 404, a JSON 200, no answer', async () => {
    vi.stubGlobal('fetch', answer(errorBody('CONVERTER_FAILED'), 502, 'application/json'));
    expect(await fetchResult('u')).toEqual({
      kind: 'failed',
      message: 'The converter failed on this image. Try again or pick another converter.',
    });
    vi.stubGlobal('fetch', answer('<h1>Not Found</h1>', 404, 'text/html'));
    expect(await fetchResult('u')).toEqual({
      kind: 'failed',
      message: 'The server answered 404. Try again.',
    });
    vi.stubGlobal('fetch', answer(errorBody('JOB_PENDING'), 200, 'application/json'));
    expect((await fetchResult('u')).kind).toBe('failed');
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    expect(await fetchResult('u')).toEqual({
      kind: 'failed',
      message: 'Could not reach the server. Check your connection and try again.',
    });
  });
});

describe('resultFileName', () => {
  it('names the result after the photo and the converter, by its type', () => {
    expect(resultFileName('garden.photo.jpeg', 'blur', 'image/jpeg')).toBe('garden.photo-blur.jpg');
    expect(resultFileName('garden.jpg', 'upscale', 'image/png')).toBe('garden-upscale.png');
    expect(resultFileName(null, 'flip', 'image/webp')).toBe('photo-flip.webp');
    expect(resultFileName('x', 'flip', 'application/octet-stream')).toBe('x-flip.bin');
  });
});
