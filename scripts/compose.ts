/**
 * Composes the subgraphs' SDL into gateway/supergraph.graphql with @apollo/composition (no rover).
 * The URLs written here are the in-cluster defaults; the gateway takes the real ones from its
 * environment. `pnpm compose:check` fails when the committed file drifts from the subgraphs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

export const subgraphs = [
  { name: 'auth', url: 'http://auth:4003/graphql' },
  { name: 'jobs', url: 'http://jobs:4001/graphql' },
  { name: 'gallery', url: 'http://gallery:4004/graphql' },
  { name: 'conversion', url: 'http://conversion:4002/graphql' },
] as const;

export const supergraphPath = new URL('../gateway/supergraph.graphql', import.meta.url);

export function composeSupergraph(): string {
  const result = composeServices(
    subgraphs.map(({ name, url }) => ({
      name,
      url,
      typeDefs: parse(
        readFileSync(new URL(`../subgraphs/${name}/src/schema.graphql`, import.meta.url), 'utf8'),
      ),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

if (import.meta.main) {
  writeFileSync(supergraphPath, composeSupergraph());
  process.stdout.write(`wrote ${supergraphPath.pathname}\n`);
}
