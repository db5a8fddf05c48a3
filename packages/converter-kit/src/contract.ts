/**
 * The converter contract (converters/openapi.yaml) as code: what both halves of the SDK, the
 * converters' server half and the conversion service's client half, take from one place.
 */
import { MAX_UPLOAD_BYTES } from '@pixelflow/product';
import type { SchemaObject } from 'ajv';

/** A JSON Schema (the keywords draft-07 and 2020-12 share), as `/describe` publishes params. */
export type JsonSchema = SchemaObject;

/** The header that carries a conversion's params as JSON (lower case, as node:http names it). */
export const PARAMS_HEADER = 'x-converter-params';

/** The header (and image part header) with a note on the result for the user, percent-encoded. */
export const NOTICE_HEADER = 'x-converter-notice';
/** The longest notice, in characters, before encoding; a longer one is cut. */
export const MAX_NOTICE_LENGTH = 500;

/** A notice as the header carries it. */
export const encodeNotice = (notice: string): string =>
  encodeURIComponent(notice.slice(0, MAX_NOTICE_LENGTH));

/** A notice from the header: null when absent or not percent-encoded UTF-8; cut to the limit. */
export function decodeNotice(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  try {
    return decodeURIComponent(value).slice(0, MAX_NOTICE_LENGTH) || null;
  } catch {
    return null;
  }
}

/** The product's upload limit, inclusive: the largest image a converter is sent. */
export const MAX_IMAGE_BYTES = MAX_UPLOAD_BYTES;

/**
 * The largest request body a converter reads: the largest upload plus 64 KiB, room for a client
 * that counts in MB or adds a little. A larger one is refused with 413 PAYLOAD_TOO_LARGE.
 */
export const MAX_BODY_BYTES = MAX_IMAGE_BYTES + 64 * 1024;

/** What a converter says of itself at `GET /describe` (the spec's `Description`). */
export interface ConverterDescription {
  /** Its id, as the API and configuration name it. */
  id: string;
  title: string;
  description: string;
  /** JSON Schema of the params object, with a `default` for each property that has one. */
  params: JsonSchema;
  /** Whether it answers `Accept: multipart/mixed` with progress parts before the image. */
  progress: boolean;
  /** The largest input it takes, in pixels. */
  maxPixels?: number;
  /** The largest result it makes, for converters that enlarge (a result no larger than its input is always allowed). */
  maxOutputPixels?: number;
  /** What happens to an input over maxPixels: scaled down to fit first, or refused (IMAGE_TOO_LARGE). */
  oversize?: 'downscale' | 'refuse';
  /** `heavy`: seconds to minutes of a CPU or GPU per image; each client gets fewer such jobs at once. */
  cost?: 'light' | 'heavy';
}
