/**
 * Resolver types per subgraph, from each subgraph's SDL as the service manifest lists them, and
 * typed documents for web/. `pnpm codegen` writes them; `pnpm codegen:check` fails when the
 * committed files drift from the schemas.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { subgraphs } from './launcher/src/services.ts';

const scalars = {
  DateTime: 'string',
  JSON: 'unknown',
  Upload: "Promise<import('graphql-upload/Upload.mjs').FileUpload>",
};

const resolverTypes = Object.fromEntries(
  subgraphs.map(({ graphql }) => [
    graphql.schema.replace(/schema\.graphql$/, 'generated/resolvers.ts'),
    {
      schema: graphql.schema,
      plugins: ['typescript', 'typescript-resolvers'],
      config: { contextType: graphql.contextType, ...(graphql.mappers ? { mappers: graphql.mappers } : {}) },
    },
  ]),
);

const config: CodegenConfig = {
  overwrite: true,
  config: { useTypeImports: true, federation: true, enumsAsTypes: true, useIndexSignature: true, scalars },
  generates: {
    ...resolverTypes,
    // Typed documents for web/: each `graphql(...)` call beside its component gets its types here.
    'web/src/gql/': {
      schema: 'gateway/api-schema.graphql',
      documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
      preset: 'client',
      config: {
        federation: false,
        useIndexSignature: false,
        scalars: { DateTime: 'string', JSON: 'unknown', Upload: 'File' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
