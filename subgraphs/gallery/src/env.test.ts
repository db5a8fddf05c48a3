import { EnvError } from '@pixelflow/config';
import { httpLimitsEnvValues } from '@pixelflow/service-kit';
import { describe, expect, it } from 'vitest';
import { readGalleryEnv } from './env.ts';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  INTERNAL_SECRET: 'a-secret-of-at-least-thirty-two-characters!',
};

describe('readGalleryEnv', () => {
  it('has defaults for everything but the database and the secret', () => {
    expect(readGalleryEnv(required)).toEqual({
      ...required,
      ...httpLimitsEnvValues(),
      PORT: 4004,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://localhost:4000',
      OBJECT_STORE: 'postgres',
      URL_TTL_S: 3600,
    });
  });

  it('lists every problem at once, OBJECT_DIR included when the store is fs', () => {
    let error: unknown;
    try {
      readGalleryEnv({ OBJECT_STORE: 'fs', URL_TTL_S: '0', PUBLIC_URL: 'ftp://x' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join('\n');
    for (const name of ['DATABASE_URL', 'INTERNAL_SECRET', 'URL_TTL_S', 'PUBLIC_URL', 'OBJECT_DIR'])
      expect(problems).toContain(name);
    expect(
      readGalleryEnv({ ...required, OBJECT_STORE: 'fs', OBJECT_DIR: '/var/lib/pixelflow' }),
    ).toMatchObject({
      OBJECT_STORE: 'fs',
      OBJECT_DIR: '/var/lib/pixelflow',
    });
    expect(() => readGalleryEnv({ ...required, OBJECT_STORE: 'fs' })).toThrow(/OBJECT_DIR: is required/);
  });
});
