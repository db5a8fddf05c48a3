import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyValueDrivers } from '../src/types.ts';
import { describePubSubContract } from './pubsub.suite.ts';
import { describeQueueContract } from './queue.suite.ts';
import { describeQuotasContract } from './quotas.suite.ts';
import { describeRecordsContract } from './records.suite.ts';

const exitFixture = fileURLToPath(new URL('./close-exits-child.ts', import.meta.url));

/**
 * The behaviour every KeyValueDrivers implementation owes its callers. `makeDrivers` must return
 * drivers over a namespace of their own (a fresh key prefix, a fresh process-local store);
 * `fixtureArgs` tell close-exits-child.ts which drivers to open in a child process.
 */
export function describeKeyValueContract(
  name: string,
  makeDrivers: () => KeyValueDrivers,
  fixtureArgs: readonly string[],
): void {
  describe(`KeyValueDrivers contract: ${name}`, () => {
    const opened: KeyValueDrivers[] = [];
    const open = (): KeyValueDrivers => {
      const drivers = makeDrivers();
      opened.push(drivers);
      return drivers;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((drivers) => drivers.close()));
    });

    describeRecordsContract(open);
    describePubSubContract(open);
    describeQueueContract(open);
    describeQuotasContract(open);

    describe('lifecycle', () => {
      it('answers ping', async () => {
        await expect(open().ping()).resolves.toBeUndefined();
      });

      it('closes promptly while a read is blocked and while subscribed', async () => {
        const drivers = makeDrivers();
        const queue = drivers.queue('closing', 'workers');
        await queue.read('a', { count: 1, blockMs: 0 });
        const unsubscribe = await drivers.pubsub.subscribe('closing', () => {});
        const reading = queue.read('a', { count: 1, blockMs: 10_000 });
        await sleep(100);
        const started = performance.now();
        await drivers.close();
        expect(await reading).toEqual([]);
        expect(performance.now() - started).toBeLessThan(1000);
        await drivers.close();
        await unsubscribe();
      });

      it('lets the process exit after close, with nothing else to do', async () => {
        // The child ends only when no timer, socket or handle of the drivers is left.
        const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
          execFile(
            process.execPath,
            [exitFixture, ...fixtureArgs],
            { timeout: 10_000 },
            (error, stdout, stderr) => {
              if (error) reject(new Error(`fixture failed: ${error.message}\n${stderr}`));
              else resolve({ stdout });
            },
          );
        });
        expect(stdout.trim()).toBe('closed');
      });
    });
  });
}
