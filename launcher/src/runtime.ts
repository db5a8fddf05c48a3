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
 * glibc gives each thread its own malloc arena, and libvips' threads fragment them: two arenas
 * keep the resident size far lower (sharp's documented advice).
 */
export const embeddedEnv = { MALLOC_ARENA_MAX: '2' } as const;
