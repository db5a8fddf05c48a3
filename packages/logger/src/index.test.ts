import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from './index.ts';

/** A logger as createLogger makes it, writing to memory. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'trace', destination }), lines };
}

describe('createLogger', () => {
  it('redacts tokens, cookies, passwords and the internal secret wherever a log call puts them', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        authorization: 'Bearer top-level-token',
        headers: {
          authorization: 'Bearer header-token',
          cookie: 'refresh=cookie-value',
          'x-pixelflow-internal': 'internal-secret-value',
          'x-pixelflow-identity': 'identity-value',
        },
        req: { headers: { authorization: 'Bearer nested-token', 'set-cookie': 'nested-cookie' } },
        variables: { email: 'ada@example.com', password: 'hunter2-password' },
        connectionParams: { authorization: 'Bearer ws-token' },
        session: { accessToken: 'access-value', refreshToken: 'refresh-value' },
        token: 'bare-token',
      },
      'with secrets',
    );
    const text = lines.join('');
    for (const secret of [
      'top-level-token',
      'header-token',
      'cookie-value',
      'internal-secret-value',
      'identity-value',
      'nested-token',
      'nested-cookie',
      'hunter2-password',
      'ws-token',
      'access-value',
      'refresh-value',
      'bare-token',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('ada@example.com');
    expect(text).toContain('[redacted]');
  });

  it('takes signatures and credentials out of URLs and errors', () => {
    const { logger, lines } = capture();
    logger.warn(
      {
        url: '/images/1?exp=1767225600&sig=abcdef123',
        err: new Error('GET http://x/images/2?sig=zzz9 failed'),
      },
      'fetch failed',
    );
    const text = lines.join('');
    expect(text).not.toContain('abcdef123');
    expect(text).not.toContain('zzz9');
    expect(text).toContain('/images/1?exp=[redacted]&sig=[redacted]');
  });

  it('scrubs query tokens and URL passwords from any text', () => {
    expect(scrubSecrets('redis://:p4ss@redis:6379/0 and postgres://user:pw0rd@db/x')).toBe(
      'redis://:[redacted]@redis:6379/0 and postgres://user:[redacted]@db/x',
    );
    expect(scrubSecrets('/x?a=1&token=t0k&b=2')).toBe('/x?a=1&token=[redacted]&b=2');
  });
});
