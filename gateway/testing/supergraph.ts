import { composeServices } from '@apollo/composition';
import { buildASTSchema, type GraphQLSchema, parse } from 'graphql';
import { SupergraphInfo } from '../src/supergraph.ts';

// Test helper: a small supergraph composed from SDL, the way `pnpm compose` builds the real one.

const link =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable"])';

/** Owns the subscription and the job's own state. */
export const jobsSdl = `${link}
type Query { job(id: ID!): Job }
type Subscription { jobUpdated(id: ID!): Job! }
type Job @key(fields: "id") {
  id: ID!
  status: String!
  progress: Float
  updatedAt: String @shareable
}`;

/** Adds a field to Job that only it resolves, through `_entities`. */
export const gallerySdl = `${link}
type Query { image(id: ID!): Image }
type Job @key(fields: "id") {
  id: ID!
  savedImage(size: Int): Image
  updatedAt: String @shareable
}
type Image { id: ID! url: String! }`;

/** Names Job as an entity it cannot resolve, like the real conversion subgraph. */
export const conversionSdl = `${link}
type Query { converters: [String!]! }
type Mutation { convertImage(converter: ID!): Job! }
type Job @key(fields: "id", resolvable: false) { id: ID! }`;

export interface TestSupergraph {
  supergraphSdl: string;
  info: SupergraphInfo;
  apiSchema: GraphQLSchema;
}

export function composeTestSupergraph(): TestSupergraph {
  const result = composeServices([
    { name: 'jobs', url: 'http://jobs:4001/graphql', typeDefs: parse(jobsSdl) },
    { name: 'gallery', url: 'http://gallery:4003/graphql', typeDefs: parse(gallerySdl) },
    { name: 'conversion', url: 'http://conversion:4002/graphql', typeDefs: parse(conversionSdl) },
  ]);
  if (result.errors) throw new Error(`composition failed: ${result.errors.join('; ')}`);
  return {
    supergraphSdl: result.supergraphSdl,
    info: new SupergraphInfo(result.supergraphSdl),
    // From the API schema's AST rather than toGraphQLJSSchema(): under vitest the CommonJS Apollo
    // packages load graphql's CommonJS build while our modules get its ES build, and graphql
    // refuses types from the other copy ("Cannot use GraphQLNonNull from another module or realm").
    apiSchema: buildASTSchema(result.schema.toAPISchema().toAST()),
  };
}
