import { createMemoryDrivers } from '@pixelflow/drivers';
import { describe, expect, it } from 'vitest';
import { describeAdmission } from '../testing/admission.suite.ts';
import { clientOf } from './admission.ts';

// The embedded mode: every instance in one process shares its in-process drivers.
describeAdmission('in-process drivers', () => {
  const drivers = createMemoryDrivers();
  return { instance: () => drivers, close: () => drivers.close() };
});

describe('clientOf', () => {
  it('counts a signed-in caller by user id, whatever the address', () => {
    expect(clientOf({ userId: 'u-1', ip: '192.0.2.1' })).toEqual({ key: 'user:u-1', signedIn: true });
  });

  it('counts an anonymous caller by address, an IPv4-mapped one as IPv4', () => {
    expect(clientOf({ userId: null, ip: '192.0.2.1' })).toEqual({ key: 'ip:192.0.2.1', signedIn: false });
    expect(clientOf({ userId: null, ip: '::ffff:192.0.2.1' }).key).toBe('ip:192.0.2.1');
  });

  it('counts an IPv6 caller by its /64, however the address is written', () => {
    const keys = ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:0:0:9', '2001:DB8:1:2:0:0:0:1'].map(
      (ip) => clientOf({ userId: null, ip }).key,
    );
    expect(new Set(keys)).toEqual(new Set(['ip:2001:db8:1:2::/64']));
    expect(clientOf({ userId: null, ip: '2001:db8:1:3::1' }).key).toBe('ip:2001:db8:1:3::/64');
    expect(clientOf({ userId: null, ip: '::1' }).key).toBe('ip:0:0:0:0::/64');
  });
});
