/**
 * Composes the subgraphs' SDL into gateway/supergraph.graphql with @apollo/composition (no rover),
 * and writes the public API schema beside it (gateway/api-schema.graphql: the supergraph without
 * its join__/link__ machinery), which clients such as web/ generate their types from.
 * The URLs written here are the in-cluster defaults; the gateway takes the real ones from its
 * environment. It also writes the Docker Compose file (compose.yaml, scripts/compose-file.ts) from
 * the same service descriptions. `pnpm compose:check` fails when a committed file drifts from them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
import { subgraphs } from '../launcher/src/services.ts';
import { composeFile, composeFilePath } from './compose-file.ts';

export const supergraphPath = new URL('../gateway/supergraph.graphql', import.meta.url);
export const apiSchemaPath = new URL('../gateway/api-schema.graphql', import.meta.url);

/** The generated files, by where they go. */
export function compose(): Map<URL, string> {
  const result = composeServices(
    subgraphs.map(({ name, port, graphql }) => ({
      name,
      url: `http://${name}:${port}/graphql`,
      typeDefs: parse(readFileSync(new URL(`../${graphql.schema}`, import.meta.url), 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  const apiSchema = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
  return new Map([
    [supergraphPath, `${result.supergraphSdl.trimEnd()}\n`],
    [apiSchemaPath, `${apiSchema.trimEnd()}\n`],
  ]);
}

/** Every file `pnpm compose` generates: the schemas and compose.yaml. */
export const generated = async (): Promise<Map<URL, string>> =>
  new Map([...compose(), [composeFilePath, await composeFile()]]);

if (import.meta.main) {
  for (const [path, text] of await generated()) {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path.pathname}\n`);
  }
}
