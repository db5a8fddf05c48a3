import { describe, expect, it } from 'vitest';
import { addressKey } from './client-address.ts';

describe('client address keys', () => {
  it('keeps IPv4 addresses, and unwraps IPv4-mapped IPv6 ones', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const key = '2001:db8:aa:1::/64';
    for (const ip of [
      '2001:db8:aa:1::1',
      '2001:db8:aa:1:ffff:ffff:ffff:ffff',
      '2001:0DB8:00aa:0001:0:0:0:2',
      '2001:db8:aa:1::192.0.2.1',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:aa:1::3'),
    ]) {
      expect(addressKey(ip)).toBe(key);
    }
    expect(addressKey('2001:db8:aa:2::1')).toBe('2001:db8:aa:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('passes anything else through (the gateway sends "unknown" when it cannot tell)', () => {
    expect(addressKey('unknown')).toBe('unknown');
  });
});
