import { AppError } from '@pixelflow/errors';
import { expect } from 'vitest';
import { inspectImage } from '../src/image-check.ts';

/** The pixel limit the intake's byte-level tests check against: small, so the files stay small. */
export const maxPixels = 10_000_000;

/** The AppError with which the intake refuses `data`; fails the test when it accepts it. */
export async function refusal(
  data: Buffer,
  options: Parameters<typeof inspectImage>[1] = { maxPixels },
): Promise<AppError> {
  const error = await inspectImage(data, options).then(
    (image) => image,
    (e: unknown) => e,
  );
  expect(error, JSON.stringify(error)).toBeInstanceOf(AppError);
  return error as AppError;
}
