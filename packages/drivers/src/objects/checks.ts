/**
 * Argument checks shared by both object stores, so that a key or content type one driver refuses
 * is refused by the other too, and a caller's mistake fails the same way in both modes.
 */

const MAX_KEY_LENGTH = 512;
// A segment starts with a letter, digit or underscore: never `.` or `..`, never a hidden file.
const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** The file suffix of the filesystem store; no segment may end in it (see fs.ts). */
export const OBJECT_FILE_SUFFIX = '.obj';
const contentTypePattern = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/;

/**
 * A key is `/`-separated segments of letters, digits, `_`, `-` and `.`, each starting with a
 * letter, digit or `_` and not ending in `.obj`: relative by construction, so that a key maps to a
 * path under the store's directory and can never climb out of it.
 */
export function checkObjectKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new RangeError(`an object key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  for (const segment of key.split('/')) {
    if (!segmentPattern.test(segment) || segment.endsWith(OBJECT_FILE_SUFFIX)) {
      throw new RangeError(`invalid object key: ${JSON.stringify(key)}`);
    }
  }
  return key;
}

/** A MIME type such as `image/webp`, optionally with parameters; no line breaks, at most 255 characters. */
export function checkContentType(contentType: string): string {
  if (typeof contentType !== 'string' || contentType.length > 255 || !contentTypePattern.test(contentType)) {
    throw new RangeError(`invalid content type: ${JSON.stringify(contentType)}`);
  }
  return contentType;
}
