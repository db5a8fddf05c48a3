import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import { type ExecutionResult, parse } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { gallerySubgraph, JobsSubgraph } from '../../testing/subgraphs.ts';
import { composeTestSupergraph } from '../../testing/supergraph.ts';
import { type EntityFetcher, SubscriptionRouter } from './router.ts';

const { info, apiSchema } = composeTestSupergraph();
const logger = createLogger({ service: 'test', level: 'silent' });

let jobs: JobsSubgraph;
let client: Client;
let router: SubscriptionRouter;
let galleryDown: boolean;
const entityRequests: Array<{ graph: string; variables: Record<string, unknown> }> = [];
const streams: Array<AsyncIterableIterator<ExecutionResult>> = [];

function routerFor(jobsClient: Client, schema = () => apiSchema): SubscriptionRouter {
  const gallery = gallerySubgraph();
  const fetchEntities: EntityFetcher = async (graph, request) => {
    entityRequests.push({ graph, variables: request.variables });
    if (galleryDown) throw new AppError('SERVICE_UNAVAILABLE', 'gallery is unreachable');
    return gallery(request);
  };
  return new SubscriptionRouter({
    info,
    schema,
    client: (graph) => {
      if (graph !== 'jobs') throw new Error(`no subscriptions on ${graph}`);
      return jobsClient;
    },
    fetchEntities,
    extensions: (context) => ({ userId: context.userId ?? null }),
    logger,
  });
}

beforeEach(async () => {
  jobs = await JobsSubgraph.start();
  client = createClient({ url: jobs.url, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  router = routerFor(client);
  galleryDown = false;
  entityRequests.length = 0;
});

afterEach(async () => {
  for (const stream of streams.splice(0)) await stream.return?.();
  await client.dispose();
  await jobs.close();
});

function subscribe(query: string, variableValues?: Record<string, unknown>, contextValue: object = {}) {
  const result = router.subscribe({
    schema: apiSchema,
    document: parse(query),
    variableValues,
    contextValue,
  });
  if (!(Symbol.asyncIterator in result)) throw new Error(`no stream: ${JSON.stringify(result)}`);
  streams.push(result);
  return result;
}

async function nextValue(stream: AsyncIterableIterator<ExecutionResult>): Promise<ExecutionResult> {
  const step = await stream.next();
  expect(step.done).toBe(false);
  return step.value as ExecutionResult;
}

async function rest(stream: AsyncIterableIterator<ExecutionResult>): Promise<ExecutionResult[]> {
  const values: ExecutionResult[] = [];
  for await (const value of stream) values.push(value);
  return values;
}

/** The value, or 'pending' when it does not settle within `ms`. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, sleep(ms).then(() => 'pending' as const)]);

const watchImage = `subscription Watch($id: ID!, $size: Int) {
  jobUpdated(id: $id) { status progress savedImage(size: $size) { url } }
}`;

describe('SubscriptionRouter.subscribe', () => {
  it('sends the subgraph only its own fields plus the key, with the caller’s identity', async () => {
    subscribe(watchImage, { id: 'j1', size: 64 }, { userId: 'u-7' });
    await jobs.channel('j1');
    expect(jobs.received).toHaveLength(1);
    const [payload] = jobs.received;
    expect(payload?.query).not.toContain('savedImage');
    expect(payload?.query).toMatch(
      /jobUpdated\(id: \$id\) \{\s+status\s+progress\s+_pf_typename: __typename\s+_pf_key_id: id\s+\}/,
    );
    expect(payload?.variables).toEqual({ id: 'j1' });
    expect(payload?.query).toMatch(/^subscription Watch\(\$id: ID!\) \{/);
    expect(payload?.extensions).toEqual({ userId: 'u-7' });
  });

  it('delivers events in order with savedImage merged in and the helper fields removed', async () => {
    const stream = subscribe(watchImage, { id: 'j1', size: 64 });
    const channel = await jobs.channel('j1');
    channel.push({ id: 'j1', status: 'QUEUED', progress: null });
    channel.push({ id: 'j1', status: 'RUNNING', progress: 0.5 });
    channel.push({ id: 'j1', status: 'SUCCEEDED', progress: 1 });
    channel.end();
    const url = 'https://cdn.test/j1.webp?w=64';
    expect(await rest(stream)).toEqual([
      { data: { jobUpdated: { status: 'QUEUED', progress: null, savedImage: { url } } } },
      { data: { jobUpdated: { status: 'RUNNING', progress: 0.5, savedImage: { url } } } },
      { data: { jobUpdated: { status: 'SUCCEEDED', progress: 1, savedImage: { url } } } },
    ]);
    expect(entityRequests).toHaveLength(3);
    expect(entityRequests[0]).toEqual({
      graph: 'gallery',
      variables: { size: 64, representations: [{ __typename: 'Job', id: 'j1' }] },
    });
  });

  it('keeps the key and __typename when the caller selected them', async () => {
    const stream = subscribe(`subscription { jobUpdated(id: "j2") { __typename id savedImage { url } } }`);
    const channel = await jobs.channel('j2');
    channel.push({ id: 'j2', status: 'QUEUED' });
    expect(await nextValue(stream)).toEqual({
      data: { jobUpdated: { __typename: 'Job', id: 'j2', savedImage: { url: 'https://cdn.test/j2.webp' } } },
    });
  });

  it('keeps a field aliased __proto__ as data, without touching any prototype', async () => {
    const stream = subscribe(
      `subscription { jobUpdated(id: "j3") { status __proto__: savedImage { url } } }`,
    );
    const channel = await jobs.channel('j3');
    channel.push({ id: 'j3', status: 'QUEUED' });
    const event = (await nextValue(stream)).data!.jobUpdated as Record<string, unknown>;
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.hasOwn(event, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(event))).toEqual(
      JSON.parse('{"status":"QUEUED","__proto__":{"url":"https://cdn.test/j3.webp"}}'),
    );
  });

  it('drops an event identical to the one before it', async () => {
    const stream = subscribe(watchImage, { id: 'j1' });
    const channel = await jobs.channel('j1');
    for (const status of ['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'QUEUED']) {
      channel.push({ id: 'j1', status, progress: null });
    }
    channel.end();
    const statuses = (await rest(stream)).map((value) => value.data?.jobUpdated);
    expect(statuses).toEqual(
      ['QUEUED', 'RUNNING', 'QUEUED'].map((status) => expect.objectContaining({ status })),
    );
  });

  it('stops the subgraph subscription promptly on return()', async () => {
    const stream = subscribe(watchImage, { id: 'j1' });
    const channel = await jobs.channel('j1');
    channel.push({ id: 'j1', status: 'QUEUED' });
    await nextValue(stream);
    const pending = stream.next();
    const started = performance.now();
    expect(await stream.return?.()).toEqual({ done: true, value: undefined });
    expect(await within(pending, 1000)).toEqual({ done: true, value: undefined });
    expect(await within(channel.returned, 1000)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
    channel.push({ id: 'j1', status: 'RUNNING' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('passes a subgraph’s refusal to subscribe on as a result with errors, then ends', async () => {
    const stream = subscribe(watchImage, { id: 'missing' });
    const values = await rest(stream);
    expect(values).toHaveLength(1);
    expect(values[0]?.data).toBeUndefined();
    expect(values[0]?.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['job missing is unknown or expired', 'JOB_NOT_FOUND'],
    ]);
  });

  it('passes an event that failed at the subgraph on as errors and goes on', async () => {
    const stream = subscribe(watchImage, { id: 'j1' });
    const channel = await jobs.channel('j1');
    channel.push({ id: 'j1', status: null });
    channel.push({ id: 'j1', status: 'RUNNING', progress: 0.1 });
    const failed = await nextValue(stream);
    expect(failed.data).toBeNull();
    expect(failed.errors?.[0]?.message).toBe('Cannot return null for non-nullable field Job.status.');
    expect((await nextValue(stream)).data).toMatchObject({ jobUpdated: { status: 'RUNNING' } });
  });

  it('turns a subgraph stream that breaks mid-way into a result with errors, never a throw', async () => {
    const stream = subscribe(watchImage, { id: 'j1' });
    const channel = await jobs.channel('j1');
    channel.push({ id: 'j1', status: 'QUEUED' });
    channel.fail(new Error('redis connection lost'));
    const values = await rest(stream);
    expect(values.map((v) => v.errors?.map((e) => e.message) ?? 'data')).toEqual([
      'data',
      ['redis connection lost'],
    ]);
  });

  it('turns a subgraph that rejects the operation into a result with errors', async () => {
    // The test jobs subgraph lacks updatedAt although the supergraph says it resolves it.
    const values = await rest(subscribe(`subscription { jobUpdated(id: "j1") { updatedAt } }`));
    expect(values).toHaveLength(1);
    expect(values[0]?.errors?.[0]?.message).toMatch(/Cannot query field "updatedAt" on type "Job"/);
  });

  it('reports an unreachable subgraph as SERVICE_UNAVAILABLE', async () => {
    await jobs.close();
    const values = await rest(subscribe(watchImage, { id: 'j1' }));
    expect(values).toHaveLength(1);
    expect(values[0]?.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(values[0]?.errors?.[0]?.message).toMatch(/subgraph is unreachable/);
  });

  it('keeps the event and adds an error when the entity fetch fails', async () => {
    galleryDown = true;
    const stream = subscribe(watchImage, { id: 'j1' });
    (await jobs.channel('j1')).push({ id: 'j1', status: 'QUEUED', progress: null });
    const value = await nextValue(stream);
    expect(value.data).toEqual({ jobUpdated: { status: 'QUEUED', progress: null } });
    expect(value.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['gallery is unreachable', 'SERVICE_UNAVAILABLE'],
    ]);
  });

  it('leaves savedImage null when the gallery resolves it so', async () => {
    const stream = subscribe(watchImage, { id: 'unsaved' });
    (await jobs.channel('unsaved')).push({ id: 'unsaved', status: 'SUCCEEDED', progress: 1 });
    expect(await nextValue(stream)).toEqual({
      data: { jobUpdated: { status: 'SUCCEEDED', progress: 1, savedImage: null } },
    });
  });

  it('answers an operation it cannot plan with BAD_USER_INPUT instead of a stream', () => {
    const result = router.subscribe({
      schema: apiSchema,
      document: parse(`subscription { a: jobUpdated(id: "1") { id } b: jobUpdated(id: "2") { id } }`),
    });
    expect(Symbol.asyncIterator in result).toBe(false);
    expect((result as ExecutionResult).errors?.map((e) => [e.message, e.extensions.code])).toEqual([
      ['a subscription selects exactly one root field', 'BAD_USER_INPUT'],
    ]);
  });

  it('answers with a result, not a throw, while the supergraph is not loaded', () => {
    const notLoaded = routerFor(client, () => {
      throw new Error('the supergraph is not loaded yet');
    });
    const result = notLoaded.subscribe({ schema: apiSchema, document: parse(watchImage) });
    expect((result as ExecutionResult).errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
  });

  describe('never breaks the socket every caller shares', () => {
    /** Another caller's subscription, live on the shared socket. */
    async function victim() {
      const stream = subscribe(watchImage, { id: 'v1' });
      const channel = await jobs.channel('v1');
      channel.push({ id: 'v1', status: 'QUEUED', progress: null });
      expect((await nextValue(stream)).data).toMatchObject({ jobUpdated: { status: 'QUEUED' } });
      return { stream, channel };
    }

    /** The victim's subscription still delivers, on the same socket. */
    async function stillServes({ stream, channel }: Awaited<ReturnType<typeof victim>>) {
      channel.push({ id: 'v1', status: 'RUNNING', progress: 0.5 });
      expect(await nextValue(stream)).toMatchObject({ data: { jobUpdated: { status: 'RUNNING' } } });
      expect(jobs.connections).toBe(1);
    }

    const answerOf = async (query: string, variableValues?: Record<string, unknown>) => {
      const result = router.subscribe({ schema: apiSchema, document: parse(query), variableValues });
      const first = Symbol.asyncIterator in result ? (await rest(result))[0] : result;
      return first?.errors?.map((e) => e.extensions.code);
    };

    it('refuses a skipped root field instead of forwarding it (the subgraph threw and closed the socket)', async () => {
      const live = await victim();
      expect(await answerOf('subscription { jobUpdated(id: "x") @include(if: false) { id } }')).toEqual([
        'GRAPHQL_VALIDATION_FAILED',
      ]);
      expect(jobs.received).toHaveLength(1);
      await stillServes(live);
    });

    it('refuses an operation larger than the gateway forwards (the subgraph dropped the socket)', async () => {
      const live = await victim();
      const query = 'subscription($id: ID!) { jobUpdated(id: $id) { id } }';
      expect(await answerOf(query, { id: 'x'.repeat(1024 * 1024) })).toEqual(['PAYLOAD_TOO_LARGE']);
      expect(await answerOf(query, { id: 'x'.repeat(600 * 1024) })).toEqual(['PAYLOAD_TOO_LARGE']);
      expect(jobs.received).toHaveLength(1);
      await stillServes(live);
    });
  });

  it('keeps a key the caller selected through a fragment', async () => {
    const stream = subscribe(`
      subscription { jobUpdated(id: "j3") { ...Ids savedImage { url } } }
      fragment Ids on Job { id }
    `);
    (await jobs.channel('j3')).push({ id: 'j3', status: 'QUEUED' });
    expect((await nextValue(stream)).data).toEqual({
      jobUpdated: { id: 'j3', savedImage: { url: 'https://cdn.test/j3.webp' } },
    });
  });

  it('sends the key to the entity fetch even when the caller’s id is conditional', async () => {
    const stream = subscribe(
      `subscription ($withId: Boolean!) { jobUpdated(id: "j4") { id @include(if: $withId) savedImage { url } } }`,
      { withId: false },
    );
    (await jobs.channel('j4')).push({ id: 'j4', status: 'QUEUED' });
    expect((await nextValue(stream)).data).toEqual({
      jobUpdated: { savedImage: { url: 'https://cdn.test/j4.webp' } },
    });
  });
});
