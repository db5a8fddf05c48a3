import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { describeKeyValueContract } from '../testing/key-value.suite.ts';
import { createMemoryDrivers } from './memory/drivers.ts';
import { Keyspace } from './memory/keyspace.ts';

describeKeyValueContract('memory', () => createMemoryDrivers({ sweepIntervalMs: 50 }), ['memory']);

describe('memory drivers', () => {
  it('sweeps expired keys that nobody reads again', async () => {
    const keyspace = new Keyspace();
    keyspace.set('gone', { kind: 'blob', data: Buffer.from('x'), expiresAt: Date.now() + 20 });
    keyspace.set('kept', { kind: 'blob', data: Buffer.from('y'), expiresAt: Date.now() + 60_000 });
    await sleep(50);
    expect(keyspace.size).toBe(2);
    keyspace.sweep();
    expect(keyspace.size).toBe(1);
    expect(keyspace.has('kept')).toBe(true);
  });

  it('refuses to read a key as the other kind, like Redis', async () => {
    const drivers = createMemoryDrivers();
    await drivers.blobs.put('blob', Buffer.from('x'), 5000);
    await expect(drivers.records.get('blob')).rejects.toThrow(/WRONGTYPE/);
    await drivers.close();
  });

  it('answers ping until closed', async () => {
    const drivers = createMemoryDrivers();
    await drivers.ping();
    await drivers.close();
    await expect(drivers.ping()).rejects.toThrow(/closed/);
  });
});
