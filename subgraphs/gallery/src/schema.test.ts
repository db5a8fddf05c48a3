import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { typeDefs } from './service.ts';

const subgraphSdl = (name: string) =>
  parse(readFileSync(new URL(`../../${name}/src/schema.graphql`, import.meta.url), 'utf8'));

describe('the gallery SDL', () => {
  it('composes with the jobs and conversion subgraphs; gallery resolves Job and User', () => {
    const result = composeServices([
      { name: 'jobs', url: 'http://jobs/graphql', typeDefs: subgraphSdl('jobs') },
      { name: 'conversion', url: 'http://conversion/graphql', typeDefs: subgraphSdl('conversion') },
      { name: 'gallery', url: 'http://gallery/graphql', typeDefs },
    ]);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
    const supergraph = result.supergraphSdl ?? '';
    // Job: an entity that jobs and gallery can both resolve by id (conversion only refers to it).
    const job = /type Job\s*([^{]*)\{([^}]*)\}/.exec(supergraph);
    expect(job?.[1]).toMatch(/@join__type\(graph: GALLERY, key: "id"\)/);
    expect(job?.[1]).toMatch(/@join__type\(graph: JOBS, key: "id"\)/);
    expect(job?.[2]).toMatch(/savedImage: Image @join__field\(graph: GALLERY\)/);
    expect(supergraph).toMatch(/type User\s+@join__type\(graph: GALLERY, key: "id"\)/);
    expect(supergraph).toMatch(/image\(id: ID!\): Image @join__field\(graph: GALLERY\)/);
    expect(supergraph).toMatch(/deleteImage\(id: ID!\): Boolean! @join__field\(graph: GALLERY\)/);
  });
});
