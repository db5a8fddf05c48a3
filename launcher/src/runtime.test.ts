import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddedConversionSlots, embeddedEnv, embeddedNodeFlags } from './runtime.ts';

describe('pnpm start', () => {
  it('runs the embedded process with the flags and environment runtime.ts documents', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const env = Object.entries(embeddedEnv).map(([key, value]) => `${key}=${value}`);
    expect(pkg.scripts.start).toBe(
      [...env, 'node', ...embeddedNodeFlags, 'launcher/src/embedded.ts'].join(' '),
    );
  });

  it('keeps libuv threads free beside the conversions: they take at most half of the pool', () => {
    const pool = Number(embeddedEnv.UV_THREADPOOL_SIZE);
    expect(pool).toBeGreaterThan(4);
    expect(embeddedConversionSlots).toBeGreaterThanOrEqual(1);
    expect(pool - embeddedConversionSlots).toBeGreaterThanOrEqual(4);
  });
});
