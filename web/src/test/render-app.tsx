import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { ApolloProvider } from '@apollo/client/react';
import { act, render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Observable } from 'rxjs';
import { afterEach, beforeEach, vi } from 'vitest';
import { ApiProvider } from '../api/context.tsx';
import { SessionManager } from '../api/session.ts';
import { App } from '../app.tsx';
import type { JobSnapshot } from '../features/editor/job/job-machine.ts';
import type { JobTransport } from '../features/editor/job/job-transport.ts';
import { EditorStore } from '../features/editor/state/editor-store.ts';
import type { EditorStorage } from '../features/editor/state/stored-editor.ts';

/** The whole app against fake servers: Apollo answered by name, jobs pushed by the test. */

/**
 * Object URLs, which jsdom lacks, for each test of the describe block that calls it: `blob:1`,
 * `blob:2`, … in the order they are made. Every spy and stubbed global is restored after each test.
 */
export function useObjectUrls(): void {
  beforeEach(() => {
    let count = 0;
    URL.createObjectURL = vi.fn(() => `blob:${++count}`);
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });
}

/** As useObjectUrls, each test starting at `/`. */
export function useFreshPage(): void {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
  });
  useObjectUrls();
}

/** A converter's limits as the API describes them; none beyond the upload's by default. */
export function limits(
  given: {
    maxPixels?: number;
    maxOutputPixels?: number;
    oversize?: 'DOWNSCALE' | 'REFUSE';
    cost?: 'LIGHT' | 'HEAVY';
  } = {},
) {
  const jobsAtOnce = given.cost === 'HEAVY' ? { anonymous: 1, signedIn: 2 } : { anonymous: 3, signedIn: 6 };
  return {
    maxPixels: null,
    maxOutputPixels: null,
    oversize: null,
    cost: 'LIGHT',
    jobsAtOnce: { __typename: 'JobsAtOnce', ...jobsAtOnce },
    ...given,
  };
}

export const converters = [
  {
    __typename: 'Converter',
    id: 'contrast',
    title: 'Contrast',
    description: 'Stretches values around mid-grey.',
    healthy: true,
    ...limits(),
    params: {
      type: 'object',
      properties: { amount: { type: 'number', title: 'Amount', minimum: 0, maximum: 4, default: 1.5 } },
    },
  },
  {
    __typename: 'Converter',
    id: 'deepdream',
    title: 'DeepDream',
    description: 'Dreams.',
    healthy: false,
    ...limits({ maxPixels: 500_000, oversize: 'DOWNSCALE', cost: 'HEAVY' }),
    params: { type: 'object', properties: {} },
  },
];

export const grayscale = {
  __typename: 'Converter',
  id: 'grayscale',
  title: 'Grayscale',
  description: 'Greys.',
  healthy: true,
  ...limits(),
  params: { type: 'object', properties: {} },
};

type Handler = (variables: Record<string, unknown>) => unknown;

/** An Apollo Client whose "server" answers each operation by name. */
export function fakeApollo(handlers: Record<string, Handler>) {
  const calls: Array<{ name: string; variables: Record<string, unknown> }> = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const name = operation.operationName ?? '';
        calls.push({ name, variables: operation.variables });
        const handler = handlers[name];
        Promise.resolve()
          .then(() => {
            if (!handler) throw new Error(`no handler for ${name}`);
            return handler(operation.variables);
          })
          .then(
            (result) => {
              observer.next(result as ApolloLink.Result);
              observer.complete();
            },
            (error: unknown) => observer.error(error),
          );
      }),
  );
  return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), calls };
}

/** A job transport whose socket the test drives; polls fail as when offline. */
export function fakeJobs() {
  let observer: Parameters<JobTransport['subscribe']>[1] | null = null;
  const subscribed: string[] = [];
  const transport: JobTransport = {
    subscribe(id, next) {
      subscribed.push(id);
      observer = next;
      return () => {
        observer = null;
      };
    },
    poll: async () => {
      throw new TypeError('offline');
    },
    onSocketTrouble: () => () => {},
  };
  return {
    transport,
    /** The job ids subscribed to, in order. */
    subscribed,
    push: (job: Partial<JobSnapshot>) =>
      act(() => observer?.next({ id: 'job-1', status: 'RUNNING', sequence: 0, ...job })),
    fail: (error: unknown) => act(() => observer?.error(error)),
  };
}

/** sessionStorage for one test: what a reload would find. */
export function memoryStorage(): EditorStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** convertImage answering job-1, job-2, … in turn. */
export function convertImageAnswers(): Handler {
  let count = 0;
  return () => {
    count += 1;
    return {
      data: {
        convertImage: {
          __typename: 'Job',
          id: `job-${count}`,
          status: 'QUEUED',
          sequence: 0,
          cancelToken: `token-${count}`,
        },
      },
    };
  };
}

export const png = (bytes = 1000, type = 'image/png', name = 'photo.png') =>
  new File([new Uint8Array(bytes)], name, { type });

export interface RenderAppOptions {
  handlers?: Record<string, Handler>;
  converterList?: unknown[];
  /** The tab's sessionStorage; a fresh one when left out. */
  storage?: EditorStorage;
  /** The gateway's /auth routes; by default they refuse (signed out). */
  authFetch?: typeof fetch;
}

const signedOut = async () =>
  new Response(JSON.stringify({ error: { code: 'INVALID_TOKEN', message: 'no' } }), { status: 401 });

export function renderApp(options: RenderAppOptions = {}) {
  const { handlers = {}, converterList = converters, storage, authFetch = signedOut } = options;
  const { apollo, calls } = fakeApollo({
    Converters: () => ({ data: { converters: converterList } }),
    ...handlers,
  });
  const jobs = fakeJobs();
  const session = new SessionManager({
    fetch: vi.fn(authFetch),
    channel: undefined,
    withLock: (task) => task(),
    // Always ask /auth/refresh on load, as a browser that holds a sign-in does.
    hint: null,
  });
  void session.restore();
  const tab = storage ?? memoryStorage();
  const editor = new EditorStore(tab);
  const view = render(
    <ApiProvider api={{ session, jobs: jobs.transport, editor }}>
      <ApolloProvider client={apollo}>
        <App />
      </ApolloProvider>
    </ApiProvider>,
  );
  return { ...view, calls, jobs, session, editor, storage: tab, user: userEvent.setup() };
}
