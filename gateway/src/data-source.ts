import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { AppError, isErrorCode } from '@pixelflow/errors';
import type { Identity, Upstream } from '@pixelflow/service-kit';
import type { FormattedExecutionResult } from 'graphql';
import Upload, { type FileUpload } from 'graphql-upload/Upload.mjs';

/** What the gateway knows of a request, passed to every subgraph call. */
export interface GatewayContext extends Record<string, unknown> {
  requestId: string;
  /** Who is calling, verified by the gateway; subgraphs get it signed in every request. */
  identity: Identity;
}

type GatewayResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

export interface FoundUpload {
  path: string;
  upload: Upload;
}

/**
 * Every Upload in the variables, with its path as the multipart spec writes it. A loop, not a
 * recursion: variables arrive from the client, and JSON nested 100,000 deep parses fine but
 * overflows any recursive walk.
 */
export function findUploads(value: unknown, path: string): FoundUpload[] {
  const found: FoundUpload[] = [];
  const pending: Array<[value: unknown, path: string]> = [[value, path]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, at] = next;
    if (item instanceof Upload) found.push({ path: at, upload: item });
    else if (item && typeof item === 'object') {
      // Reversed onto the stack so that uploads come out in document order.
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) pending.push([entries[i]![1], `${at}.${entries[i]![0]}`]);
    }
  }
  return found;
}

/**
 * The variables with null in place of each upload: copies of the objects on each upload's path,
 * everything else shared (no walk of the rest, however deep).
 */
export function withoutUploads(variables: Record<string, unknown>, uploads: FoundUpload[]): unknown {
  const copy: Record<string, unknown> = { ...variables };
  for (const { path } of uploads) {
    const keys = path.split('.').slice(1); // drop the leading "variables"
    let parent: Record<string, unknown> = copy;
    for (const [i, key] of keys.entries()) {
      if (i === keys.length - 1) {
        parent[key] = null;
        break;
      }
      const child = parent[key] as Record<string, unknown>;
      const cloned = (Array.isArray(child) ? [...child] : { ...child }) as Record<string, unknown>;
      parent[key] = cloned;
      parent = cloned;
    }
  }
  return copy;
}

const quote = (value: string) => value.replace(/["\r\n\\]/g, '_');

/**
 * A GraphQL multipart request (the spec graphql-upload implements) whose file parts stream from
 * the gateway's own upload straight through, never buffered whole.
 */
function multipartBody(
  operations: unknown,
  uploads: FoundUpload[],
  files: FileUpload[],
  boundary: string,
  onFileError: (error: unknown) => void,
): Readable {
  const map = Object.fromEntries(uploads.map((u, i) => [String(i), [u.path]]));
  async function* parts() {
    yield `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(operations)}\r\n`;
    yield `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(map)}\r\n`;
    for (const [i, file] of files.entries()) {
      yield `--${boundary}\r\nContent-Disposition: form-data; name="${i}"; filename="${quote(file.filename)}"\r\nContent-Type: ${quote(file.mimetype || 'application/octet-stream')}\r\n\r\n`;
      try {
        // Each call reads the upload from its start (graphql-upload buffers it in a temp file).
        yield* file.createReadStream();
      } catch (error) {
        onFileError(error);
        throw error;
      }
      yield '\r\n';
    }
    yield `--${boundary}--\r\n`;
  }
  return Readable.from(parts(), { objectMode: false });
}

/**
 * How the gateway calls a subgraph: JSON over HTTP through a keep-alive pool, or a multipart
 * request when the operation carries files.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  readonly #upstream: Upstream;
  readonly #headers: (context: GatewayContext) => Record<string, string>;

  constructor(upstream: Upstream, headers: (context: GatewayContext) => Record<string, string>) {
    this.#upstream = upstream;
    this.#headers = headers;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const { request } = options;
    const context = (options.context ?? {}) as GatewayContext;
    const operations = {
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    };
    const headers = this.#headers(context);
    const uploads = findUploads(request.variables, 'variables');
    if (uploads.length === 0) {
      // A query may be sent again when its connection drops; a mutation must not run twice.
      const idempotent = !/^\s*mutation\b/.test(request.query ?? '');
      return this.#send(
        JSON.stringify(operations),
        { ...headers, 'content-type': 'application/json' },
        idempotent,
      );
    }

    let files: FileUpload[];
    try {
      files = await Promise.all(uploads.map((u) => u.upload.promise));
    } catch (error) {
      throw uploadError(error);
    }
    const boundary = `pixelflow-${randomBytes(12).toString('hex')}`;
    let fileError: unknown;
    // A fresh body per try: a conversion instance that refused the connection is retried on
    // another one, reading the upload again from its start.
    const body = () =>
      multipartBody(
        { ...operations, variables: withoutUploads(request.variables ?? {}, uploads) },
        uploads,
        files,
        boundary,
        (error) => {
          fileError = error;
        },
      );
    try {
      return await this.#send(body, {
        ...headers,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        // The subgraph runs Apollo's CSRF prevention too.
        'apollo-require-preflight': 'true',
      });
    } catch (error) {
      throw fileError ? uploadError(fileError) : error;
    }
  }

  /** Sends any GraphQL request (the subscription router's `_entities` fetches too). */
  async send(request: { query: string; variables: Record<string, unknown> }, context: GatewayContext) {
    return this.#send(
      JSON.stringify(request),
      { ...this.#headers(context), 'content-type': 'application/json' },
      true,
    );
  }

  async #send(
    body: string | (() => Readable),
    headers: Record<string, string>,
    idempotent = false,
  ): Promise<FormattedExecutionResult> {
    const response = await this.#upstream.request('/graphql', {
      idempotent,
      method: 'POST',
      headers,
      body,
      timeoutMs: 60_000,
    });
    const text = await response.body.text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (isRecord(answer) && ('data' in answer || Array.isArray(answer.errors))) {
      return answer as FormattedExecutionResult;
    }
    // A refusal from the subgraph's HTTP layer, before GraphQL ran: `{ "error": { code, message } }`
    // (an upload that stalled on its way through: 408 REQUEST_TIMEOUT). Passed on as the error it
    // is; taken as a GraphQL answer, it had no data and no errors, and the client got a bare null.
    const error = isRecord(answer) && isRecord(answer.error) ? answer.error : undefined;
    if (
      error &&
      typeof error.code === 'string' &&
      isErrorCode(error.code) &&
      typeof error.message === 'string'
    ) {
      throw new AppError(error.code, error.message.slice(0, 500));
    }
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      `a subgraph answered ${response.statusCode} without a GraphQL body`,
    );
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An upload that failed on the way in: too large (graphql-upload's 413) or cut off. */
function uploadError(error: unknown): AppError {
  if ((error as { status?: number }).status === 413) {
    return new AppError('PAYLOAD_TOO_LARGE', (error as Error).message);
  }
  return new AppError('BAD_REQUEST', `the upload failed: ${(error as Error).message}`);
}
