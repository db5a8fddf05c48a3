import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryDrivers } from './memory/drivers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const snapshotFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixelflow-snapshot-'));
  dirs.push(dir);
  return join(dir, 'state.snapshot');
};

describe('in-process drivers with a snapshot file', () => {
  it('bring records, blobs and queues back after a restart', async () => {
    const file = snapshotFile();
    const before = createMemoryDrivers({ snapshotFile: file });
    await before.records.create('job:1', { status: 'QUEUED' }, 60_000);
    await before.records.update('job:1', { status: 'RUNNING' }, { ttlMs: 60_000 });
    await before.blobs.put('input:1', Buffer.from([1, 2, 3]), 60_000);
    await before.blobs.put('gone', Buffer.from([9]), 1);
    const queue = before.queue('conversions', 'runners');
    const running = await queue.add({ jobId: '1' });
    const waiting = await queue.add({ jobId: '2' });
    await queue.read('old-instance', { count: 1, blockMs: 0 });
    await queue.release('old-instance', [running]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await before.close();
    expect(existsSync(file)).toBe(true);

    const after = createMemoryDrivers({ snapshotFile: file });
    // Read once: the state lives in the process again, and a crash must not bring this one back.
    expect(existsSync(file)).toBe(false);
    expect(await after.records.get('job:1')).toEqual({ fields: { status: 'RUNNING' }, seq: 2 });
    expect(await after.blobs.get('input:1')).toEqual(Buffer.from([1, 2, 3]));
    expect(await after.blobs.get('gone')).toBeNull();
    const again = after.queue('conversions', 'runners');
    expect(await again.reclaim('new-instance', { minIdleMs: 20_000, count: 10 })).toEqual([
      { id: running, fields: { jobId: '1' }, deliveries: 1 },
    ]);
    expect(await again.read('new-instance', { count: 10, blockMs: 0 })).toEqual([
      { id: waiting, fields: { jobId: '2' }, deliveries: 1 },
    ]);
    // New entries keep their ids increasing past the restored ones.
    expect((await again.add({ jobId: '3' })) > waiting).toBe(true);
    await after.close();
  });

  it('are written while they change, so that a crash loses at most the last interval', async () => {
    const file = snapshotFile();
    const crashed = createMemoryDrivers({ snapshotFile: file, snapshotIntervalMs: 20 });
    await crashed.records.create('job:1', { status: 'RUNNING' }, 60_000);
    const queue = crashed.queue('conversions', 'runners');
    const running = await queue.add({ jobId: '1' });
    await queue.read('old-instance', { count: 1, blockMs: 0 });
    const waiting = await queue.add({ jobId: '2' });
    await vi.waitFor(() => expect(existsSync(file)).toBe(true));
    const writtenAt = statSync(file).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Nothing changed: nothing written again.
    expect(statSync(file).mtimeMs).toBe(writtenAt);

    // No close(): the process died. What it wrote is read back as it was.
    const after = createMemoryDrivers({ snapshotFile: file });
    expect(await after.records.get('job:1')).toEqual({ fields: { status: 'RUNNING' }, seq: 1 });
    const again = after.queue('conversions', 'runners');
    // The running job is the dead instance's pending entry, reclaimed once idle; the other waits.
    expect(await again.reclaim('new-instance', { minIdleMs: 0, count: 10 })).toEqual([
      { id: running, fields: { jobId: '1' }, deliveries: 2 },
    ]);
    expect(await again.read('new-instance', { count: 10, blockMs: 0 })).toEqual([
      { id: waiting, fields: { jobId: '2' }, deliveries: 1 },
    ]);
    await after.close();
    await crashed.close();
  });

  it('keeps the file it reads when it goes on writing it, so that a crash at once loses nothing', async () => {
    const file = snapshotFile();
    const first = createMemoryDrivers({ snapshotFile: file });
    await first.records.create('job:1', { status: 'QUEUED' }, 60_000);
    await first.close();
    const second = createMemoryDrivers({ snapshotFile: file, snapshotIntervalMs: 60_000 });
    expect(existsSync(file)).toBe(true);
    expect(await second.records.get('job:1')).toMatchObject({ fields: { status: 'QUEUED' } });
    await second.close();
  });

  it('sets an unreadable snapshot aside and starts empty', async () => {
    const file = snapshotFile();
    writeFileSync(file, 'not a snapshot');
    const drivers = createMemoryDrivers({ snapshotFile: file });
    expect(await drivers.queue('conversions', 'runners').length()).toBe(0);
    expect(readdirSync(join(file, '..')).some((name) => name.includes('unreadable'))).toBe(true);
    await drivers.close();
  });
});
