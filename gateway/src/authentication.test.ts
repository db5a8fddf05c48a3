import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIpResolver } from './authentication.ts';

const upgrade = (remoteAddress: string, forwardedFor?: string) =>
  ({
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    socket: { remoteAddress },
    connection: { remoteAddress },
  }) as unknown as IncomingMessage;

describe('clientIpResolver', () => {
  it('ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(clientIpResolver(false)(upgrade('10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
    expect(clientIpResolver(undefined)(upgrade('10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
  });

  it('trusts every proxy with true, and only the listed ones with a list', () => {
    expect(clientIpResolver(true)(upgrade('10.0.0.5', '198.51.100.1, 203.0.113.9'))).toBe('198.51.100.1');
    const listed = clientIpResolver('10.0.0.0/8');
    // The ingress (10.0.0.5) is trusted; the address it was told by a client-chosen header is not
    // believed past the first untrusted hop.
    expect(listed(upgrade('10.0.0.5', '198.51.100.1, 203.0.113.9'))).toBe('203.0.113.9');
    expect(listed(upgrade('192.0.2.7', '198.51.100.1'))).toBe('192.0.2.7');
  });
});
