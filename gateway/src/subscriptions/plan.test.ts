import { buildSchema, type DocumentNode, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeTestSupergraph } from '../../testing/supergraph.ts';
import { PlanError, planSubscription } from './plan.ts';

const { info, apiSchema } = composeTestSupergraph();

const plan = (query: string, operationName?: string) =>
  planSubscription(info, apiSchema, parse(query), operationName);

/** Both documents printed the same way, so that only their content is compared. */
const same = (document: DocumentNode) => print(document);
const as = (source: string) => print(parse(source));

const entities = (selection: string, variables = '') =>
  as(`query SubscriptionEntities($representations: [_Any!]!${variables}) {
    _entities(representations: $representations) { ... on Job ${selection} }
  }`);

describe('planSubscription', () => {
  it('forwards a subscription on fields of its own subgraph unchanged, with no fetches', () => {
    const query = `subscription OnJob($id: ID!) {
      jobUpdated(id: $id) { id status progress updatedAt __typename }
    }`;
    const result = plan(query);
    expect(result.graph).toBe('jobs');
    expect(same(result.document)).toBe(as(query));
    expect(result.variableNames).toEqual(['id']);
    expect(result.fetches).toEqual([]);
    expect(result.added).toEqual([]);
  });

  it('moves fields of another subgraph into an _entities fetch and adds the key', () => {
    const result = plan(`subscription { jobUpdated(id: "j1") { status savedImage { url } } }`);
    expect(same(result.document)).toBe(
      as(`subscription { jobUpdated(id: "j1") { status _pf_typename: __typename _pf_key_id: id } }`),
    );
    expect(result.fetches).toHaveLength(1);
    const [fetch] = result.fetches;
    expect(fetch).toMatchObject({
      graph: 'gallery',
      path: ['jobUpdated'],
      typeName: 'Job',
      keyFields: ['id'],
    });
    expect(fetch?.variableNames).toEqual([]);
    expect(same(fetch!.document)).toBe(entities('{ savedImage { url } }'));
    expect(result.added).toEqual([{ path: ['jobUpdated'], fields: ['_pf_typename', '_pf_key_id'] }]);
  });

  it('adds the helper fields under reserved aliases, whatever the caller selected', () => {
    // The caller's own id and __typename stay as they are; the fetch never depends on them.
    const result = plan(`subscription { jobUpdated(id: "j1") { id __typename savedImage { url } } }`);
    expect(same(result.document)).toBe(
      as(`subscription { jobUpdated(id: "j1") { id __typename _pf_typename: __typename _pf_key_id: id } }`),
    );
    expect(result.added).toEqual([{ path: ['jobUpdated'], fields: ['_pf_typename', '_pf_key_id'] }]);
  });

  it('keeps a @shareable field with the subscription’s own subgraph', () => {
    const result = plan(`subscription { jobUpdated(id: "j1") { updatedAt } }`);
    expect(result.fetches).toEqual([]);
  });

  it('follows aliases into the fetch path and keeps them in both documents', () => {
    const result = plan(`subscription {
      job: jobUpdated(id: "j1") { state: status picture: savedImage { link: url } key: id }
    }`);
    // An aliased `id` does not count: the representation needs the field under its own name.
    expect(same(result.document)).toBe(
      as(
        `subscription { job: jobUpdated(id: "j1") { state: status key: id _pf_typename: __typename _pf_key_id: id } }`,
      ),
    );
    expect(result.fetches[0]?.path).toEqual(['job']);
    expect(same(result.fetches[0]!.document)).toBe(entities('{ picture: savedImage { link: url } }'));
    expect(result.added).toEqual([{ path: ['job'], fields: ['_pf_typename', '_pf_key_id'] }]);
  });

  it('inlines named fragments and splits inline fragments the same way', () => {
    const result = plan(`
      subscription Watch { jobUpdated(id: "j1") { ...JobState ... on Job { savedImage { url } } } }
      fragment JobState on Job { status ...Picture }
      fragment Picture on Job { savedImage { id } }
    `);
    const forwarded = same(result.document);
    expect(forwarded).not.toMatch(/fragment|savedImage|\.\.\.JobState/);
    expect(forwarded).toBe(
      as(`subscription Watch { jobUpdated(id: "j1") {
        ... on Job { status ... on Job { _pf_typename: __typename _pf_key_id: id } }
        ... on Job { _pf_typename: __typename _pf_key_id: id }
      } }`),
    );
    expect(result.fetches.map((f) => [f.graph, f.path, same(f.document)])).toEqual([
      ['gallery', ['jobUpdated'], entities('{ savedImage { id } }')],
      ['gallery', ['jobUpdated'], entities('{ savedImage { url } }')],
    ]);
  });

  it('lists only the reserved aliases as helper fields, so a key selected in a fragment stays', () => {
    const result = plan(`
      subscription { jobUpdated(id: "j1") { ...Ids savedImage { url } } }
      fragment Ids on Job { id __typename }
    `);
    expect(result.added).toEqual([{ path: ['jobUpdated'], fields: ['_pf_typename', '_pf_key_id'] }]);
  });

  it('moves variables used only by the moved fields to the fetch', () => {
    const result = plan(`subscription Watch($id: ID!, $size: Int) {
      jobUpdated(id: $id) { status savedImage(size: $size) { url } }
    }`);
    expect(result.variableNames).toEqual(['id']);
    expect(same(result.document)).toBe(
      as(
        `subscription Watch($id: ID!) { jobUpdated(id: $id) { status _pf_typename: __typename _pf_key_id: id } }`,
      ),
    );
    expect(result.fetches[0]?.variableNames).toEqual(['size']);
    expect(same(result.fetches[0]!.document)).toBe(
      entities('{ savedImage(size: $size) { url } }', ', $size: Int'),
    );
  });

  it('gives a variable used on both sides to both', () => {
    const result = plan(`subscription ($id: ID!, $more: Boolean!) {
      jobUpdated(id: $id) { progress @include(if: $more) savedImage @include(if: $more) { url } }
    }`);
    expect(result.variableNames.sort()).toEqual(['id', 'more']);
    expect(result.fetches[0]?.variableNames).toEqual(['more']);
    expect(same(result.fetches[0]!.document)).toContain('$more: Boolean!');
  });

  it('plans the operation named by operationName', () => {
    const document = `
      query Current { job(id: "j1") { status } }
      subscription Watch { jobUpdated(id: "j1") { savedImage { url } } }
    `;
    expect(plan(document, 'Watch').fetches).toHaveLength(1);
    expect(() => plan(document, 'Current')).toThrow(PlanError);
    expect(() => plan(document, 'Missing')).toThrow('no subscription operation');
  });

  it.each([
    ['a query', `query { job(id: "j1") { status } }`, 'no subscription operation'],
    ['a mutation', `mutation { convertImage(converter: "flip") { id } }`, 'no subscription operation'],
    [
      'two root fields',
      `subscription { a: jobUpdated(id: "1") { id } b: jobUpdated(id: "2") { id } }`,
      'exactly one root field',
    ],
    [
      'an unknown fragment',
      `subscription { jobUpdated(id: "1") { ...Missing } }`,
      'unknown fragment Missing',
    ],
    ['an unknown root field', `subscription { imageUpdated(id: "1") { id } }`, 'no subgraph owns'],
  ])('refuses %s with a PlanError', (_label, query, message) => {
    expect(() => plan(query)).toThrow(PlanError);
    expect(() => plan(query)).toThrow(message);
  });

  it.each([
    ['skipped', `subscription { jobUpdated(id: "1") @include(if: false) { id } }`],
    ['conditional', `subscription ($s: Boolean!) { jobUpdated(id: "1") @skip(if: $s) { id } }`],
    [
      'in a fragment',
      `subscription { ...F } fragment F on Subscription { jobUpdated(id: "1") @skip(if: true) { id } }`,
    ],
    [
      'under a conditional spread',
      `subscription { ...F @include(if: true) } fragment F on Subscription { jobUpdated(id: "1") { id } }`,
    ],
  ])('never forwards a %s root field (the subgraph cannot run it)', (_label, query) => {
    expect(() => plan(query)).toThrow(
      expect.objectContaining({
        code: 'GRAPHQL_VALIDATION_FAILED',
        message: expect.stringMatching(/^a subscription's root selection may not use @(skip|include)$/),
      }),
    );
  });

  it('refuses a subscription against a schema without subscriptions', () => {
    const noSubscriptions = buildSchema('type Query { ok: Boolean }');
    expect(() =>
      planSubscription(info, noSubscriptions, parse('subscription { jobUpdated(id: "1") { id } }')),
    ).toThrow('the schema has no subscriptions');
  });
});
