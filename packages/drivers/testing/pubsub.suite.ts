import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collector, type OpenDrivers } from './collector.ts';

/** PubSub: order, fan-out, unsubscribing. */
export function describePubSubContract(open: OpenDrivers): void {
  describe('pubsub', () => {
    it('delivers messages in publish order to every subscriber of the channel only', async () => {
      const { pubsub } = open();
      const first = collector();
      const second = collector();
      const other = collector();
      const unsubscribeFirst = await pubsub.subscribe('chan', first.onMessage);
      const unsubscribeSecond = await pubsub.subscribe('chan', second.onMessage);
      const unsubscribeOther = await pubsub.subscribe('other', other.onMessage);
      const sent = Array.from({ length: 50 }, (_, i) => `message ${i}`);
      for (const message of sent) await pubsub.publish('chan', message);
      expect(await first.until(50)).toEqual(sent);
      expect(await second.until(50)).toEqual(sent);
      expect(other.messages).toEqual([]);
      await Promise.all([unsubscribeFirst(), unsubscribeSecond(), unsubscribeOther()]);
    });

    it('stops delivery on unsubscribe, without affecting other subscribers', async () => {
      const { pubsub } = open();
      const stays = collector();
      const leaves = collector();
      const unsubscribeStays = await pubsub.subscribe('chan', stays.onMessage);
      const unsubscribeLeaves = await pubsub.subscribe('chan', leaves.onMessage);
      await pubsub.publish('chan', 'before');
      await leaves.until(1);
      await unsubscribeLeaves();
      await unsubscribeLeaves();
      await pubsub.publish('chan', 'after');
      await stays.until(2);
      await sleep(100);
      expect(leaves.messages).toEqual(['before']);
      expect(stays.messages).toEqual(['before', 'after']);
      await unsubscribeStays();
      await pubsub.publish('chan', 'gone');
      await sleep(100);
      expect(stays.messages).toEqual(['before', 'after']);
    });

    it('counts one function subscribed twice as two subscriptions', async () => {
      const { pubsub } = open();
      const received = collector();
      const unsubscribeOne = await pubsub.subscribe('twice', received.onMessage);
      const unsubscribeTwo = await pubsub.subscribe('twice', received.onMessage);
      await pubsub.publish('twice', 'a');
      await received.until(2);
      await unsubscribeOne();
      await pubsub.publish('twice', 'b');
      await received.until(3);
      await sleep(100);
      expect(received.messages).toEqual(['a', 'a', 'b']);
      await unsubscribeTwo();
    });

    it('survives subscribing and unsubscribing the same channel concurrently', async () => {
      const { pubsub } = open();
      const churn = await Promise.all(Array.from({ length: 10 }, () => pubsub.subscribe('churn', () => {})));
      const kept = collector();
      const [unsubscribeKept] = await Promise.all([
        pubsub.subscribe('churn', kept.onMessage),
        ...churn.map((unsubscribe) => unsubscribe()),
      ]);
      await pubsub.publish('churn', 'still here');
      expect(await kept.until(1)).toEqual(['still here']);
      await unsubscribeKept();
    });
  });
}
