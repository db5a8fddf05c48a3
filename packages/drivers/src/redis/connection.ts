import type { Redis } from 'ioredis';

/** Rejects with `message` when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * QUIT lets replies still in flight arrive; when Redis is unreachable (ioredis would keep
 * reconnecting) or too slow, the socket is dropped instead so that closing never hangs.
 */
export async function closeConnection(redis: Redis, ms = 1000): Promise<void> {
  try {
    if (redis.status === 'ready') await withTimeout(redis.quit(), ms, 'QUIT timed out');
  } catch {
    // Dropping the socket below is all that is left to do.
  } finally {
    redis.disconnect();
  }
}
