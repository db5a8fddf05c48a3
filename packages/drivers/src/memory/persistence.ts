import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import type { Slot } from './keyspace.ts';
import type { StreamState } from './queue.ts';

/** The in-process drivers' state as a snapshot file keeps it (records, blobs, quotas, streams). */
export interface Snapshot {
  slots: Array<[string, Slot]>;
  streams: Array<[string, StreamState]>;
}

/** Bumped whenever the shape above changes: an older snapshot is then left unread. */
const FORMAT = 1;

/**
 * Writes the snapshot whole or not at all (a temporary file renamed over the old one), so that a
 * crash while writing never leaves half a state behind.
 */
export function writeSnapshot(file: string, bytes: Buffer): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, bytes, { mode: 0o600 });
  renameSync(partial, file);
}

/** As writeSnapshot, without holding the event loop while the bytes go to disk. */
export async function writeSnapshotAsync(file: string, bytes: Buffer): Promise<void> {
  const partial = `${file}.partial`;
  await writeFile(partial, bytes, { mode: 0o600 });
  await rename(partial, file);
}

/** The bytes of a snapshot file. V8's serializer keeps Buffers and Maps. */
export const encodeSnapshot = (snapshot: Snapshot): Buffer => serialize({ format: FORMAT, ...snapshot });

/**
 * Reads the snapshot. Unless `keep` (the process goes on writing it), the file is removed: the
 * state lives in the process from now on, and a later crash must not bring back this older state.
 * An unreadable or foreign file is set aside.
 */
export function readSnapshot(file: string, { keep = false } = {}): Snapshot | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = deserialize(readFileSync(file)) as Partial<Snapshot> & { format?: number };
    if (value.format !== FORMAT || !Array.isArray(value.slots) || !Array.isArray(value.streams)) {
      throw new Error(`not a snapshot of format ${FORMAT}`);
    }
    if (!keep) rmSync(file);
    return { slots: value.slots, streams: value.streams };
  } catch (error) {
    renameSync(file, `${file}.unreadable-${Date.now()}`);
    process.emitWarning(
      `the state snapshot ${file} could not be read and was set aside: ${(error as Error).message}`,
    );
    return undefined;
  }
}
