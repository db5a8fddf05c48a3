import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeTestSupergraph } from '../testing/supergraph.ts';
import { SupergraphInfo } from './supergraph.ts';

const { supergraphSdl, info } = composeTestSupergraph();

describe('SupergraphInfo', () => {
  it('reads every subgraph from join__Graph', () => {
    expect([...info.graphs.values()].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { enumValue: 'CONVERSION', name: 'conversion', url: 'http://conversion:4002/graphql' },
      { enumValue: 'GALLERY', name: 'gallery', url: 'http://gallery:4003/graphql' },
      { enumValue: 'JOBS', name: 'jobs', url: 'http://jobs:4001/graphql' },
    ]);
    expect(info.graphByName('gallery')?.enumValue).toBe('GALLERY');
    expect(info.graphByName('GALLERY')).toBeUndefined();
  });

  it('names the one subgraph that resolves a field owned by one', () => {
    expect(info.fieldOwners('Subscription', 'jobUpdated')).toEqual(['jobs']);
    expect(info.fieldOwners('Job', 'status')).toEqual(['jobs']);
    expect(info.fieldOwners('Job', 'savedImage')).toEqual(['gallery']);
    expect(info.fieldOwners('Image', 'url')).toEqual(['gallery']);
    expect(info.fieldOwners('Query', 'job')).toEqual(['jobs']);
    expect(info.fieldOwners('Mutation', 'convertImage')).toEqual(['conversion']);
  });

  it('names every subgraph that resolves a key or @shareable field', () => {
    expect(info.fieldOwners('Job', 'id').sort()).toEqual(['conversion', 'gallery', 'jobs']);
    expect(info.fieldOwners('Job', 'updatedAt').sort()).toEqual(['gallery', 'jobs']);
  });

  it('names nobody for an unknown type or field', () => {
    expect(info.fieldOwners('Job', 'nope')).toEqual([]);
    expect(info.fieldOwners('Nope', 'id')).toEqual([]);
  });

  it('gives entity keys only where the subgraph can resolve the entity', () => {
    expect(info.entityKey('Job', 'jobs')).toEqual(['id']);
    expect(info.entityKey('Job', 'gallery')).toEqual(['id']);
    // @key(resolvable: false): conversion names jobs but cannot be asked for them.
    expect(info.entityKey('Job', 'conversion')).toBeUndefined();
    // A value type has no key anywhere.
    expect(info.entityKey('Image', 'gallery')).toBeUndefined();
    expect(info.entityKey('Job', 'nope')).toBeUndefined();
  });

  it('reads a parsed document the same as the SDL string', () => {
    const fromDocument = new SupergraphInfo(parse(supergraphSdl));
    expect([...fromDocument.graphs.values()]).toEqual([...info.graphs.values()]);
    expect(fromDocument.fieldOwners('Job', 'savedImage')).toEqual(['gallery']);
  });

  it('reads a key of several fields', () => {
    const sdl = supergraphSdl.replace(
      '@join__type(graph: JOBS, key: "id")',
      '@join__type(graph: JOBS, key: "id  updatedAt")',
    );
    expect(sdl).not.toBe(supergraphSdl);
    expect(new SupergraphInfo(sdl).entityKey('Job', 'jobs')).toEqual(['id', 'updatedAt']);
  });

  it('refuses a supergraph that names a graph join__Graph does not list', () => {
    const sdl = supergraphSdl.replace('@join__field(graph: GALLERY)', '@join__field(graph: PHOTOS)');
    expect(sdl).not.toBe(supergraphSdl);
    expect(() => new SupergraphInfo(sdl)).toThrow('supergraph names an unknown graph "PHOTOS"');
  });

  it('reads the committed supergraph: jobs owns jobUpdated, conversion resolves Job by id too', () => {
    const committed = new SupergraphInfo(
      readFileSync(new URL('../supergraph.graphql', import.meta.url), 'utf8'),
    );
    expect(committed.fieldOwners('Subscription', 'jobUpdated')).toEqual(['jobs']);
    expect(committed.entityKey('Job', 'jobs')).toEqual(['id']);
    // For Job.cancelToken, which it answers outside convertImage with null.
    expect(committed.entityKey('Job', 'conversion')).toEqual(['id']);
  });
});
