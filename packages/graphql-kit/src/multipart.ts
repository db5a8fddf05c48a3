import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { FileUpload } from 'graphql-upload/Upload.mjs';
import Upload from 'graphql-upload/Upload.mjs';

/** An error with the HTTP status it maps to, as graphql-upload's errors carry one. */
export class MultipartError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface MultipartOptions {
  maxFileSize: number;
  /** @default 1 */
  maxFiles?: number;
  /** Largest `operations` or `map` field, in bytes. @default 1 MB */
  maxFieldSize?: number;
}

/**
 * One uploaded file held in memory as it arrives. Readers may start before the upload ends (the
 * gateway streams it on to a subgraph while the client is still sending) and may read it more
 * than once (a retry on another instance); each read starts from the first byte.
 */
class MemoryFile {
  readonly #chunks: Buffer[] = [];
  #ended = false;
  #error: Error | undefined;
  #waiters: Array<() => void> = [];

  push(chunk: Buffer) {
    this.#chunks.push(chunk);
    this.#wake();
  }

  end() {
    this.#ended = true;
    this.#wake();
  }

  fail(error: Error) {
    this.#error = error;
    this.#wake();
  }

  createReadStream(): Readable {
    const file = this;
    return Readable.from(
      (async function* () {
        for (let i = 0; ; i++) {
          while (i >= file.#chunks.length) {
            if (file.#error) throw file.#error;
            if (file.#ended) return;
            await new Promise<void>((resolve) => file.#waiters.push(resolve));
          }
          if (file.#error) throw file.#error;
          yield file.#chunks[i]!;
        }
      })(),
      { objectMode: false },
    );
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/**
 * Puts `value` where a `map` path points in the operations, as the multipart spec asks: each step
 * must be an own property of a plain JSON object or an index of an array, and the slot must hold
 * the `null` the client left for the file. Nothing else is followed, so a path through
 * `__proto__`, `constructor` or a method name can neither read nor replace anything outside the
 * client's own JSON (the path walker this replaces let two form fields overwrite a method of
 * Object.prototype for every later request).
 */
export function placeUpload(operations: unknown, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let node: unknown = operations;
  for (const [i, key] of keys.entries()) {
    if (!isJsonContainer(node) || !hasOwnSlot(node, key)) return false;
    const record = node as Record<string, unknown>;
    if (i === keys.length - 1) {
      if (record[key] !== null) return false;
      // A data property of its own, whatever the key: never a setter such as __proto__'s.
      Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
      return true;
    }
    node = record[key];
  }
  return false;
}

/** Objects as JSON.parse makes them (prototype Object.prototype) and arrays; nothing else. */
function isJsonContainer(node: unknown): node is object {
  if (Array.isArray(node)) return true;
  return node !== null && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype;
}

function hasOwnSlot(node: object, key: string): boolean {
  if (Array.isArray(node)) return /^(0|[1-9]\d{0,8})$/.test(key) && Number(key) < node.length;
  return Object.hasOwn(node, key);
}

/**
 * Reads a GraphQL multipart request (the spec graphql-upload implements) and resolves with the
 * operations once `operations` and `map` have arrived, each file variable set to graphql-upload's
 * `Upload`, so its `GraphQLUpload` scalar works unchanged.
 *
 * Unlike graphql-upload's own processRequest, files are held in memory instead of temporary
 * files: the size limit bounds them (5 MB), and the temp-file writes and reads ran on libuv's
 * thread pool behind sharp's conversions, which cost about 10 ms of every upload under load
 * (see BENCHMARKS.md).
 */
export function processMultipart(
  request: IncomingMessage,
  { maxFileSize, maxFiles = 1, maxFieldSize = 1_000_000 }: MultipartOptions,
): Promise<Record<string, unknown> | Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    let operations: Record<string, unknown> | Array<Record<string, unknown>> | undefined;
    let uploads: Map<string, Upload> | undefined;
    let settled = false;
    const files: MemoryFile[] = [];

    const fail = (error: MultipartError) => {
      for (const upload of uploads?.values() ?? []) if (!upload.file) upload.reject(error);
      for (const file of files) file.fail(error);
      if (!settled) {
        settled = true;
        reject(error);
      }
      request.unpipe(parser);
      request.resume(); // drain the rest so that the answer can still be read
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        defParamCharset: 'utf8',
        // busboy reports 'limit' when a file reaches fileSize bytes, not when it passes it: one
        // byte more lets a file of exactly maxFileSize through (the limit is inclusive).
        limits: { fieldSize: maxFieldSize, fields: 2, fileSize: maxFileSize + 1, files: maxFiles },
      });
    } catch (error) {
      reject(new MultipartError(400, (error as Error).message));
      return;
    }

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new MultipartError(413, `the ${name} field is too large`));
      if (name === 'operations') {
        try {
          operations = JSON.parse(value);
        } catch {
          return fail(new MultipartError(400, 'the operations field is not valid JSON'));
        }
        if (!operations || typeof operations !== 'object') {
          return fail(new MultipartError(400, 'the operations field must be an object or an array'));
        }
        return;
      }
      if (name !== 'map') return fail(new MultipartError(400, `unexpected field ${name}`));
      if (!operations) return fail(new MultipartError(400, 'the operations field must come before map'));
      let map: unknown;
      try {
        map = JSON.parse(value);
      } catch {
        return fail(new MultipartError(400, 'the map field is not valid JSON'));
      }
      if (!map || typeof map !== 'object' || Array.isArray(map)) {
        return fail(new MultipartError(400, 'the map field must be an object'));
      }
      const entries = Object.entries(map as Record<string, unknown>);
      if (entries.length > maxFiles)
        return fail(new MultipartError(413, `at most ${maxFiles} files per request`));
      uploads = new Map();
      for (const [key, paths] of entries) {
        if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) {
          return fail(new MultipartError(400, `map entry ${key} must be an array of paths`));
        }
        // One variable per file: the gateway sends each mapped place on as a file of its own, so
        // a file mapped twice would reach the subgraph as two.
        if (paths.length !== 1) {
          return fail(new MultipartError(400, `map entry ${key} must name exactly one variable`));
        }
        const upload = new Upload();
        uploads.set(key, upload);
        for (const path of paths as string[]) {
          if (!placeUpload(operations, path, upload)) {
            return fail(new MultipartError(400, `map path ${path} does not exist in operations`));
          }
        }
      }
      settled = true;
      resolve(operations);
    });

    parser.on('file', (name, stream, info) => {
      const upload = uploads?.get(name);
      if (!upload) {
        stream.resume(); // an extra file nobody maps: ignore it
        return;
      }
      const file = new MemoryFile();
      files.push(file);
      stream.on('data', (chunk: Buffer) => file.push(chunk));
      stream.on('limit', () => {
        file.fail(new MultipartError(413, `the file is larger than ${maxFileSize} bytes`));
        stream.resume();
      });
      stream.on('end', () => file.end());
      stream.on('error', (error) => file.fail(new MultipartError(400, error.message)));
      const fileUpload: FileUpload = {
        filename: info.filename ?? 'upload',
        mimetype: info.mimeType,
        encoding: info.encoding,
        createReadStream: () => file.createReadStream(),
      };
      upload.resolve(fileUpload);
    });

    parser.on('filesLimit', () => fail(new MultipartError(413, `at most ${maxFiles} files per request`)));
    parser.on('error', (error: Error) => fail(new MultipartError(400, error.message)));
    parser.on('finish', () => {
      if (!operations) return fail(new MultipartError(400, 'the operations field is missing'));
      if (!uploads) return fail(new MultipartError(400, 'the map field is missing'));
      for (const upload of uploads.values()) {
        if (!upload.file) upload.reject(new MultipartError(400, 'a file in map is missing from the request'));
      }
    });
    request.once('close', () => {
      if (!request.readableEnded) fail(new MultipartError(499, 'the client went away during the upload'));
    });
    request.pipe(parser);
  });
}
