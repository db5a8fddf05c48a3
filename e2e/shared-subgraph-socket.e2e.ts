import { setTimeout as sleep } from 'node:timers/promises';
import { photo } from '@pixelflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';
import { GraphQLSocket } from './helpers/graphql-socket.ts';

// The gateway forwards every user's subscriptions to the jobs subgraph over one shared graphql-ws
// socket. Nothing one client sends may close or break it: here an anonymous attacker tries what
// once ended every user's live subscriptions, through the real processes, while a signed-in user
// watches a running job; that user's subscription must go on to the job's end, error-free.
const faults = useFaultConverters();
const env = useCluster('shared-subgraph-socket', {
  jobsInstances: 1,
  conversionInstances: 1,
  webApp: false,
  get extraConverters() {
    return { slow: faults.urls.slow };
  },
});

type Message = { id?: string; type: string; payload?: unknown };

const codesOf = (message: Message) =>
  message.type === 'error'
    ? (message.payload as Array<{ extensions?: { code?: string } }>).map((e) => e.extensions?.code)
    : message.type === 'next'
      ? ((message.payload as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map(
          (e) => e.extensions?.code,
        )
      : message.type;

/** The victim: a signed-in user with one live subscription to a job that runs for a while. */
let victim: Account;
let victimSocket: GraphQLSocket;
let jobId: string;
const victimMessages: Message[] = [];

beforeAll(async () => {
  victim = await register(env.cluster.gatewayUrl);
  const { data, errors } = await victim.client.convert(photo('mate/nature/Garden.jpg'), 'slow', {
    params: { delayMs: 20_000 },
  });
  if (!data) throw new Error(`convert failed: ${JSON.stringify(errors)}`);
  jobId = data.convertImage.id;
  victimSocket = new GraphQLSocket(env.cluster.gatewayUrl, victim.accessToken);
  victimSocket.ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.id === 'live') victimMessages.push(message);
  });
  const first = await victimSocket.first(
    'live',
    'subscription($id: ID!) { jobUpdated(id: $id) { id status sequence } }',
    { id: jobId },
  );
  expect(first).toMatchObject({ type: 'next', payload: { data: { jobUpdated: { id: jobId } } } });
});

afterAll(() => GraphQLSocket.closeAll());

/** The victim's subscription has seen no error and no end so far. */
function victimUnharmed() {
  expect(victimMessages.filter((m) => m.type !== 'next' || codesOf(m).length > 0)).toEqual([]);
}

async function post(body: unknown): Promise<{ status: number; codes: string[] }> {
  const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, codes: (answer.errors ?? []).map((e) => e.extensions?.code ?? '(none)') };
}

const skipBesideQuery =
  'query Q { __typename } subscription S($s: Boolean!) { jobUpdated(id: "x") @skip(if: $s) { id } }';

describe("one client cannot end another's subscriptions", () => {
  it('a skipped or conditional root field is refused alone (it closed the shared socket, 4500)', async () => {
    const attacker = new GraphQLSocket(env.cluster.gatewayUrl);
    const attacks: Array<[string, Record<string, unknown> | undefined, string | undefined]> = [
      ['subscription { jobUpdated(id: "x") @include(if: false) { id } }', undefined, undefined],
      ['subscription($s: Boolean!) { jobUpdated(id: "x") @skip(if: $s) { id } }', { s: true }, undefined],
      [
        'subscription { ...F @include(if: false) } fragment F on Subscription { jobUpdated(id: "x") { id } }',
        undefined,
        undefined,
      ],
      // graphql-js' validate() threw on this one, evaluating @skip without variables.
      [skipBesideQuery, undefined, 'Q'],
    ];
    for (const [i, [query, variables, operationName]] of attacks.entries()) {
      expect(codesOf(await attacker.first(`a${i}`, query, variables, operationName)), query).toEqual([
        'GRAPHQL_VALIDATION_FAILED',
      ]);
    }
    // The attacker's own socket carries on too.
    expect(await attacker.first('fine', '{ converters { id } }')).toMatchObject({ type: 'next' });
    victimUnharmed();
  });

  it('a message just under 1 MiB closes only the sender’s socket (forwarded, it dropped the shared one)', async () => {
    const attacker = new GraphQLSocket(env.cluster.gatewayUrl);
    expect(await attacker.acknowledged).toBe(true);
    const query = `subscription($id: ID!) { jobUpdated(id: $id) { ${'__typename '.repeat(300)} } }`;
    const base = JSON.stringify({ id: 'big', type: 'subscribe', payload: { query, variables: { id: '' } } });
    const id = 'x'.repeat(1024 * 1024 - base.length - 16);
    attacker.ws.send(JSON.stringify({ id: 'big', type: 'subscribe', payload: { query, variables: { id } } }));
    // 1009: Message Too Big. The client limit is 128 KiB by default (WS_MAX_PAYLOAD_BYTES).
    const stillOpen = sleep(10_000).then(() => ({ code: 'still open' }));
    expect((await Promise.race([attacker.closed, stillOpen])).code).toBe(1009);

    // Just under the client limit, the operation is served (the job is unknown): the gateway may
    // forward what it accepts.
    const another = new GraphQLSocket(env.cluster.gatewayUrl);
    const under = 'y'.repeat(120 * 1024);
    const answer = await another.first('under', 'subscription($id: ID!) { jobUpdated(id: $id) { id } }', {
      id: under,
    });
    expect(codesOf(answer)).toEqual(['JOB_NOT_FOUND']);
    victimUnharmed();
  });

  it('a validation that throws answers 400 over HTTP too (it was a 500)', async () => {
    expect(await post({ query: skipBesideQuery, operationName: 'Q' })).toEqual({
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
    });
    expect(await post({ query: skipBesideQuery, operationName: 'Q', variables: { s: true } })).toEqual({
      status: 400,
      codes: ['GRAPHQL_VALIDATION_FAILED'],
    });
    const url = `${env.cluster.gatewayUrl}/graphql?query=${encodeURIComponent(skipBesideQuery)}&operationName=Q`;
    const get = await fetch(url, { headers: { 'apollo-require-preflight': '1' } });
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({
      errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
  });

  it('900 __typename are refused with a code over both transports, never a 500', async () => {
    const many = '__typename '.repeat(900);
    const subscription = `subscription { jobUpdated(id: "x") { ${many} } }`;
    const attacker = new GraphQLSocket(env.cluster.gatewayUrl);
    expect(codesOf(await attacker.first('many', subscription))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await post({ query: subscription })).toEqual({ status: 400, codes: ['OPERATION_NOT_SUPPORTED'] });
    // Beside a query that runs, Apollo validates the subscription too (graphql-js gives up on it).
    const beside = await post({ query: `query Q { __typename } ${subscription}`, operationName: 'Q' });
    expect(beside.status).toBe(400);
    expect(new Set(beside.codes)).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    victimUnharmed();
  });

  it("the victim's subscription runs to the job's end, on the same socket, error-free", async () => {
    await expect
      .poll(() => victimMessages.at(-1), { timeout: 60_000, interval: 200 })
      .toMatchObject({ type: 'complete' });
    const statuses = victimMessages
      .filter((m) => m.type === 'next')
      .map((m) => (m.payload as { data?: { jobUpdated?: { status?: string } } }).data?.jobUpdated?.status);
    expect(statuses.at(-1)).toBe('SUCCEEDED');
    expect(
      victimMessages.filter((m) => m.type === 'error' || (m.type === 'next' && codesOf(m).length > 0)),
    ).toEqual([]);
  });
});
