import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{
    message: string;
    path?: unknown[];
    extensions?: { code?: string } & Record<string, unknown>;
  }>;
}

export interface JobEvent {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  progress: number | null;
  sequence: number;
  resultUrl: string | null;
  error: { code: string; message: string } | null;
}

export const jobFields = 'id status progress sequence resultUrl error { code message }';

const contentTypes: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** A live subscription: every event so far, and a way to wait for the next ones. */
export class JobSubscription {
  readonly events: JobEvent[] = [];
  readonly errors: Array<{ message: string; extensions?: Record<string, unknown> }> = [];
  readonly done: Promise<void>;
  #waiters: Array<() => void> = [];
  #dispose: () => void = () => {};
  #finished = false;

  constructor(client: Client, id: string) {
    this.done = new Promise<void>((resolve) => {
      this.#dispose = client.subscribe<{ jobUpdated: JobEvent }>(
        { query: `subscription($id: ID!) { jobUpdated(id: $id) { ${jobFields} } }`, variables: { id } },
        {
          next: (result) => {
            if (result.data?.jobUpdated) this.events.push(result.data.jobUpdated);
            if (result.errors) this.errors.push(...(result.errors as JobSubscription['errors']));
            this.#notify();
          },
          error: (error) => {
            this.errors.push(
              ...(Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }]),
            );
            this.#finish(resolve);
          },
          complete: () => this.#finish(resolve),
        },
      );
    });
  }

  /** Resolves once an event satisfies `predicate` (or rejects after timeoutMs). */
  async until(predicate: (event: JobEvent) => boolean, timeoutMs = 30_000): Promise<JobEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.#finished)
        throw new Error(`subscription ended without such an event: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for an event; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#dispose();
  }

  #notify() {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #finish(resolve: () => void) {
    this.#finished = true;
    this.#notify();
    resolve();
  }
}

/** Talks to a running Pixelflow the way any client would: GraphQL over HTTP and WebSocket. */
export class PixelflowClient {
  readonly url: string;
  #ws: Client | undefined;
  /** The access token sent with every request (and in connection_init); none = anonymous. */
  token: string | undefined;
  readonly #reconnects: number;
  readonly #headers: Record<string, string>;

  /**
   * `reconnects`: how often the socket is opened again after it closed (as a browser's client
   * does, every 300 ms), re-subscribing; 0 lets a closed socket end its subscriptions.
   * `headers`: sent with every HTTP request (e.g. X-Forwarded-For, to be a client at an address).
   */
  constructor(
    url: string,
    token?: string,
    { reconnects = 0, headers = {} }: { reconnects?: number; headers?: Record<string, string> } = {},
  ) {
    this.url = url.replace(/\/+$/, '');
    this.token = token;
    this.#reconnects = reconnects;
    this.#headers = headers;
  }

  #auth(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** What every HTTP request carries: the extra headers and the token. */
  #httpHeaders(): Record<string, string> {
    return { ...this.#headers, ...this.#auth() };
  }

  async graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.#httpHeaders() },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse<T>, 'status'>) };
  }

  /** `convertImage` with a multipart upload (a path or bytes). */
  async convert(
    file: string | Buffer,
    converter: string,
    options: {
      params?: unknown;
      filename?: string;
      contentType?: string;
      /** Steps after the first, run on the server one after the other. */
      andThen?: Array<{ converter: string; params?: unknown }>;
    } = {},
  ): Promise<GraphQLResponse<{ convertImage: JobEvent & { cancelToken: string | null } }>> {
    const bytes = typeof file === 'string' ? readFileSync(file) : file;
    const filename = options.filename ?? (typeof file === 'string' ? basename(file) : 'image');
    const type =
      options.contentType ?? contentTypes[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'image/jpeg';
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation($file: Upload!, $converter: ID!, $params: JSON, $andThen: [ConversionStep!]) {
          convertImage(file: $file, converter: $converter, params: $params, andThen: $andThen) {
            ${jobFields} cancelToken } }`,
        variables: {
          file: null,
          converter,
          params: options.params ?? null,
          andThen: options.andThen ?? null,
        },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([new Uint8Array(bytes)], { type }), filename);
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'apollo-require-preflight': 'true', ...this.#httpHeaders() },
      body: form,
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  /** The polling query: which of JobDone / JobPending / JobNotFound / JobFailed, and the job. */
  async poll(id: string): Promise<{ outcome: string; job: JobEvent | null }> {
    const response = await this.graphql<{ job: { __typename: string; job?: JobEvent } }>(
      `query($id: ID!) { job(id: $id) { __typename
        ... on JobDone { job { ${jobFields} } } ... on JobPending { job { ${jobFields} } }
        ... on JobFailed { job { ${jobFields} } } ... on JobNotFound { id } } }`,
      { id },
    );
    if (!response.data) throw new Error(`job(${id}) failed: ${JSON.stringify(response.errors)}`);
    return { outcome: response.data.job.__typename, job: response.data.job.job ?? null };
  }

  /** `GET /jobs/:id/result`: the status, and the image bytes or the JSON body. */
  async result(id: string): Promise<{ status: number; contentType: string; body: Buffer; json?: unknown }> {
    const response = await fetch(`${this.url}/jobs/${id}/result`);
    const body = Buffer.from(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    const json = contentType.includes('json') ? JSON.parse(body.toString()) : undefined;
    return { status: response.status, contentType, body, json };
  }

  subscribe(id: string): JobSubscription {
    return new JobSubscription(this.#socket(), id);
  }

  /** Any subscription, result by result; the returned function ends it. */
  rawSubscribe<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    onResult: (result: { data?: T | null; errors?: GraphQLResponse['errors'] }) => void,
  ): () => void {
    return this.#socket().subscribe<T>(
      { query, variables },
      {
        next: (result) => onResult(result as { data?: T | null; errors?: GraphQLResponse['errors'] }),
        error: (error) => onResult({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
        complete: () => {},
      },
    );
  }

  #socket(): Client {
    this.#ws ??= createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: this.#reconnects,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 300)),
      shouldRetry: () => this.#reconnects > 0,
      lazy: true,
      connectionParams: () => this.#auth(),
    });
    return this.#ws;
  }

  /** Drops the socket without a goodbye, as a lost network would. */
  dropSocket(): void {
    this.#ws?.terminate();
    this.#ws = undefined;
  }

  async close(): Promise<void> {
    await this.#ws?.dispose();
    this.#ws = undefined;
  }
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
