/** The gallery's internal API: what the conversion service saves signed-in users' conversions with. */
import { z } from '@pixelflow/config';
import { defineRoutes } from '@pixelflow/service-kit';

export const imageKindSchema = z.enum(['ORIGINAL', 'CONVERTED']);
export type ImageKind = z.infer<typeof imageKindSchema>;

/** An image as the internal API answers it. */
export const imageSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  jobId: z.string(),
  kind: imageKindSchema,
  /** The converter of a CONVERTED image; null for an ORIGINAL. */
  converter: z.string().nullable(),
  /** The ORIGINAL of the same job, for a CONVERTED image (null once that was deleted). */
  originalId: z.string().nullable(),
  /** jpeg, png or webp: what the image was re-encoded to when saved. */
  format: z.string(),
  contentType: z.string(),
  width: z.number(),
  height: z.number(),
  bytes: z.number(),
  createdAt: z.string(),
});
export type ImageJson = z.infer<typeof imageSchema>;

// A NUL (which PostgreSQL text refuses) or an unpaired surrogate (which UTF-8 turns into U+FFFD).
const isCleanText = (value: string) => !value.includes('\0') && value.isWellFormed();
const text = z.string().min(1).max(100).refine(isCleanText, 'must not hold a NUL or an unpaired surrogate');
// The gallery answers BAD_REQUEST for a job id that is no UUID, after this bound.
const jobParams = z.object({ jobId: z.string().max(64) });

/**
 * Both saves are idempotent by job id and kind: a save lost on a dropped connection (or retried
 * later) answers the image kept the first time. Each body is the image's bytes in an image/* type;
 * the gallery reads the real format from the bytes and re-encodes it, which takes a while.
 */
export const galleryRoutes = defineRoutes({
  /** Keeps a job's original. */
  saveOriginal: {
    method: 'PUT',
    url: '/internal/jobs/:jobId/images/original',
    params: jobParams,
    querystring: z.object({ owner: text }),
    body: 'bytes',
    response: imageSchema,
    idempotent: true,
    timeoutMs: 60_000,
  },
  /** Keeps a job's result, linked to the job's original when that was saved. */
  saveConverted: {
    method: 'PUT',
    url: '/internal/jobs/:jobId/images/converted',
    params: jobParams,
    querystring: z.object({ owner: text, converter: text }),
    body: 'bytes',
    response: imageSchema,
    idempotent: true,
    timeoutMs: 60_000,
  },
  /**
   * Deletes what a job saved for its owner, both kinds, with their bytes: a job cancelled while
   * its save was under way keeps nothing. Answers how many images were deleted (0 when none).
   */
  forgetJob: {
    method: 'POST',
    url: '/internal/jobs/:jobId/images/forget',
    params: jobParams,
    querystring: z.object({ owner: text }),
    response: z.object({ deleted: z.number() }),
    idempotent: true,
  },
});
