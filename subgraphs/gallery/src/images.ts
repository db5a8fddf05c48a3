import { AppError } from '@pixelflow/errors';
import type { ImageJson, ImageKind } from '@pixelflow/gallery-api';

export type { ImageJson, ImageKind };

/**
 * An image as the gallery keeps it (a row of gallery.images); the Image type resolves from it. The
 * internal API answers it as ImageJson, without the keys.
 */
export type ImageModel = Omit<ImageJson, 'createdAt'> & {
  createdAt: Date;
  /** Object store keys of the image and of its thumbnail. */
  imageKey: string;
  thumbnailKey: string;
};

export function toImageJson(image: ImageModel): ImageJson {
  const { imageKey: _imageKey, thumbnailKey: _thumbnailKey, createdAt, ...rest } = image;
  return { ...rest, createdAt: createdAt.toISOString() };
}

/** The two downloads of an image, each with its own signed URL. */
export type ImageVariant = 'image' | 'thumbnail';

export const imageKey = (id: string) => `images/${id}`;
export const thumbnailKey = (id: string) => `thumbnails/${id}`;

// Image and job ids are UUIDs; anything else is answered as unknown before any lookup (and
// never reaches a uuid column, where PostgreSQL would refuse it with an error).
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string) => uuidPattern.test(id);

/** Where a page of images ends: the last image's creation time (microseconds) and id. */
export interface PageCursor {
  /** PostgreSQL's own text of the timestamp, to the microsecond: a JS Date would lose precision. */
  createdAt: string;
  id: string;
}

const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A time PostgreSQL takes as it is: a real calendar day (Date.parse accepts February 30th and
 * rolls it over; PostgreSQL refuses it, which was a 500) in a year it stores images from.
 */
function isRealTime(text: string): boolean {
  const milliseconds = `${text.slice(0, 23)}Z`;
  const time = Date.parse(milliseconds);
  return !Number.isNaN(time) && new Date(time).toISOString() === milliseconds && text.slice(0, 4) >= '1970';
}

/** Opaque to clients: base64url of `v1|<time>|<id>`. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`v1|${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor `encodeCursor` made; anything else is BAD_USER_INPUT. */
export function decodeCursor(text: string): PageCursor {
  // Bounded before decoding: a megabyte of `after` costs nothing. What decodes is matched whole
  // against digits, dashes and hex, so no NUL or other text reaches the query.
  const [version, createdAt = '', id = '', ...rest] =
    text.length > 200 ? [] : Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (
    version !== 'v1' ||
    rest.length > 0 ||
    !cursorTimePattern.test(createdAt) ||
    !isRealTime(createdAt) ||
    !isUuid(id)
  ) {
    throw new AppError('BAD_USER_INPUT', 'after is not a cursor from an earlier page');
  }
  return { createdAt, id };
}

/** Page sizes a client may ask for. */
export const MAX_PAGE_SIZE = 100;

export function checkPageSize(first: number | null | undefined): number {
  const size = first ?? 24;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}
