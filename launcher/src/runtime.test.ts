import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddedEnv, embeddedNodeFlags } from './runtime.ts';

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
});
