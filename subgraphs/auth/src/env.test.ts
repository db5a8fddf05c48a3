import { EnvError } from '@pixelflow/config';
import { describe, expect, it } from 'vitest';
import { readAuthEnv } from './env.ts';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  INTERNAL_SECRET: 'a-secret-of-at-least-thirty-two-characters!',
};

describe('readAuthEnv', () => {
  it("has the sign-in throttle's defaults, each one changeable", () => {
    expect(readAuthEnv(required)).toMatchObject({
      LOGIN_FREE_FAILURES: 5,
      LOGIN_BASE_DELAY_S: 1,
      LOGIN_MAX_DELAY_S: 900,
      LOGIN_FAILURE_MEMORY_S: 86_400,
      LOGIN_ADDRESS_MAX_ATTEMPTS: 30,
      LOGIN_ACCOUNT_CEILING: 100,
      LOGIN_WINDOW_S: 900,
      LOGIN_KNOWN_ADDRESS_DAYS: 30,
    });
    expect(readAuthEnv({ ...required, LOGIN_FREE_FAILURES: '10', LOGIN_MAX_DELAY_S: '3600' })).toMatchObject({
      LOGIN_FREE_FAILURES: 10,
      LOGIN_MAX_DELAY_S: 3600,
    });
  });

  it('refuses the removed LOGIN_ACCOUNT_MAX_FAILURES, naming what replaced it', () => {
    expect(() => readAuthEnv({ ...required, LOGIN_ACCOUNT_MAX_FAILURES: '5' })).toThrow(EnvError);
    expect(() => readAuthEnv({ ...required, LOGIN_ACCOUNT_MAX_FAILURES: '5' })).toThrow(
      /LOGIN_ACCOUNT_MAX_FAILURES: was removed.*LOGIN_FREE_FAILURES.*LOGIN_ACCOUNT_CEILING/,
    );
  });
});
