import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { AppError } from '@pixelflow/errors';
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

interface FoundUpload {
  path: string;
  upload: Upload;
}

/** Every Upload in the variables, with its path as the multipart spec writes it. */
function findUploads(value: unknown, path: string, found: FoundUpload[] = []): FoundUpload[] {
  if (value instanceof Upload) found.push({ path, upload: value });
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) findUploads(item, `${path}.${i}`, found);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) findUploads(item, `${path}.${key}`, found);
  }
  return found;
}

function withoutUploads(value: unknown): unknown {
  if (value instanceof Upload) return null;
  if (Array.isArray(value)) return value.map(withoutUploads);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUploads(v)]));
  }
  return value;
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
        { ...operations, variables: withoutUploads(request.variables) },
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
    try {
      return JSON.parse(text) as FormattedExecutionResult;
    } catch {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `a subgraph answered ${response.statusCode} without a GraphQL body`,
      );
    }
  }
}

/** An upload that failed on the way in: too large (graphql-upload's 413) or cut off. */
function uploadError(error: unknown): AppError {
  if ((error as { status?: number }).status === 413) {
    return new AppError('PAYLOAD_TOO_LARGE', (error as Error).message);
  }
  return new AppError('BAD_REQUEST', `the upload failed: ${(error as Error).message}`);
}
