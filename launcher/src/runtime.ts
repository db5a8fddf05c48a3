/**
 * How `pnpm start` runs the embedded process (package.json's start script says the same; a test
 * keeps the two in step, and the benchmarks start it this way too).
 */

/**
 * V8 starts with a 256 MB old generation instead of growing from a few MB. Each conversion moves
 * the image through several HTTP hops inside the one process, megabytes of short-lived buffers;
 * with the default start V8 ran a full mark-compact of the whole heap for nearly every
 * conversion, about 25 ms of the main thread each time. Measured with `pnpm bench`: median
 * overhead over the raw conversion 44 ms → 16 ms, idle resident size unchanged.
 */
export const embeddedNodeFlags = ['--initial-heap-size=256'] as const;

/**
 * MALLOC_ARENA_MAX: glibc gives each thread its own malloc arena, and libvips' threads fragment
 * them: two arenas keep the resident size far lower (sharp's documented advice).
 *
 * UV_THREADPOOL_SIZE (read once, when Node starts): every sharp conversion holds one thread of
 * libuv's pool for its whole length, and the same pool runs the access-token checks (WebCrypto),
 * argon2's password hashes, fs and zlib. With Node's default of 4, four slow conversions stalled
 * every signed-in request until one of them finished. With 8, the embedded sharp converters take
 * at most `embeddedConversionSlots` (4, as many as ran at once before: libvips already spreads
 * each over every core, so more at once would not finish sooner) and 4 threads, a stock Node
 * process's whole pool, stay for the rest. A thread costs an 8 MB stack of address space, barely
 * any resident memory.
 */
export const embeddedEnv = { MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '8' } as const;

/** Conversions the embedded sharp converters run at once (their maxInFlight, embedded.ts). */
export const embeddedConversionSlots = 4;
