import { describe, expect, it } from 'vitest';
import { decode, detailEnergy, noisy } from '../../testing/images.ts';
import { blur, sharpen } from './filters.ts';

describe('blur', () => {
  it('removes fine detail, more with a larger sigma, and keeps the size', async () => {
    const input = await noisy(96, 64, 'png');
    const original = await decode(input);
    const light = await decode((await blur.convert(input, { sigma: 0.8 })).data);
    const heavy = await decode((await blur.convert(input, { sigma: 5 })).data);
    expect([light.width, light.height]).toEqual([96, 64]);
    expect(detailEnergy(light)).toBeLessThan(detailEnergy(original) * 0.7);
    expect(detailEnergy(heavy)).toBeLessThan(detailEnergy(light) * 0.2);
  });

  it('keeps sigma within 0.3 to 50, where its cost stays a small multiple of a decode', async () => {
    const input = await noisy(8, 8, 'png');
    await expect(blur.convert(input, { sigma: 0.2 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(blur.convert(input, { sigma: 51 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(blur.convert(input, { sigma: 50 })).resolves.toBeDefined();
  });
});

describe('sharpen', () => {
  it('adds fine detail, more when asked for more', async () => {
    // A blurred image, as a photo slightly out of focus.
    const input = (await blur.convert(await noisy(96, 64, 'png'), { sigma: 1.5 })).data;
    const original = await decode(input);
    const normal = await decode((await sharpen.convert(input)).data);
    const strong = await decode((await sharpen.convert(input, { flat: 6, jagged: 12 })).data);
    expect([normal.width, normal.height]).toEqual([96, 64]);
    expect(detailEnergy(normal)).toBeGreaterThan(detailEnergy(original) * 1.3);
    expect(detailEnergy(strong)).toBeGreaterThan(detailEnergy(normal) * 1.5);
  });

  it('keeps sigma within 0.3 to 5', async () => {
    const input = await noisy(8, 8, 'png');
    await expect(sharpen.convert(input, { sigma: 5.5 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(sharpen.convert(input, { sigma: 5 })).resolves.toBeDefined();
  });
});
