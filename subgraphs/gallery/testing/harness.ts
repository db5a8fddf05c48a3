/**
 * One gallery service over a pair of drivers, and the ways tests talk to it: GraphQL with a signed
 * (or forged) identity, the internal save API, and the signed downloads, all through fastify's
 * inject, the way the gateway's and the conversion service's requests would arrive.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectStore, Sql } from '@pixelflow/drivers';
import { createLogger } from '@pixelflow/logger';
import {
  type HttpService,
  IDENTITY_HEADER,
  INTERNAL_TOKEN_HEADER,
  signIdentity,
} from '@pixelflow/service-kit';
import { afterAll, beforeAll, expect } from 'vitest';
import { gallerySettings } from '../src/env.ts';
import type { ImageJson } from '../src/images.ts';
import { createGalleryService } from '../src/service.ts';
import { type ImageNode, imageFields } from './image-node.ts';
import { png } from './images.ts';

export interface GalleryDrivers {
  sql: Sql;
  objects: ObjectStore;
  /** Releases the drivers and whatever `open` made for them. */
  close(): Promise<void>;
}

export const secret = 'a-secret-of-at-least-thirty-two-characters!';
export const publicUrl = 'http://gateway.test';
export { type ImageNode, imageFields } from './image-node.ts';

export interface ImagesPage {
  edges: Array<{ cursor: string; node: ImageNode }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Who calls: a user id, null for a signed-out caller, or a raw header value (forged). */
export type Caller = string | null | { header: string };

/** An identity header signed with a secret other than the service's. */
export const forgedIdentity = (userId: string) =>
  signIdentity('another-secret-that-is-thirty-two-chars-long', { userId, ip: '198.51.100.1' });

export const codes = (answer: GraphQLAnswer<unknown>) =>
  answer.errors?.map((error) => error.extensions?.code);

export type GalleryHarness = ReturnType<typeof useGalleryHarness>;

/** Starts the service before the tests of the calling describe block and stops it after them. */
export function useGalleryHarness(open: () => Promise<GalleryDrivers>) {
  let drivers: GalleryDrivers | undefined;
  let service: HttpService | undefined;
  let clock = Date.now();

  beforeAll(async () => {
    drivers = await open();
    service = await createGalleryService({
      sql: drivers.sql,
      objects: drivers.objects,
      logger: createLogger({ service: 'gallery', level: 'silent' }),
      internalSecret: secret,
      publicUrl,
      ...gallerySettings.defaults,
      host: '127.0.0.1',
      now: () => clock,
    });
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await drivers?.close();
  }, 60_000);

  async function graphql<T>(caller: Caller, query: string, variables?: Record<string, unknown>) {
    const header =
      caller !== null && typeof caller === 'object'
        ? caller.header
        : signIdentity(secret, { userId: caller, ip: '203.0.113.7' });
    const response = await harness.service.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: header },
      payload: { query, variables },
    });
    expect(response.statusCode).toBe(200);
    return response.json<GraphQLAnswer<T>>();
  }

  /** `_entities`, as the gateway asks an entity's fields; `first` is an Int and `after` a String. */
  function entities<T>(
    caller: Caller,
    representation: Record<string, unknown>,
    selection: string,
    variables: { first?: number | null; after?: string | null } = {},
  ) {
    const definitions = Object.keys(variables)
      .map((name) => `, $${name}: ${name === 'first' ? 'Int' : 'String'}`)
      .join('');
    return graphql<{ _entities: T[] }>(
      caller,
      `query($representations: [_Any!]!${definitions}) {
        _entities(representations: $representations) { ${selection} } }`,
      { representations: [representation], ...variables },
    );
  }

  const harness = {
    get drivers(): GalleryDrivers {
      if (!drivers) throw new Error('the gallery harness is not started');
      return drivers;
    },
    get service(): HttpService {
      if (!service) throw new Error('the gallery harness is not started');
      return service;
    },
    /** The service's clock (ms), for signed URL expiry; identity envelopes use the real one. */
    get clock() {
      return clock;
    },
    set clock(ms: number) {
      clock = ms;
    },
    graphql,
    entities,

    /** PUT of an image to the internal save API. */
    save(
      kind: 'original' | 'converted',
      jobId: string,
      owner: string,
      data: Buffer,
      options: { contentType?: string; converter?: string; token?: string } = {},
    ) {
      const query = new URLSearchParams({
        owner,
        ...(kind === 'converted' ? { converter: options.converter ?? 'grayscale' } : {}),
      });
      return harness.service.app.inject({
        method: 'PUT',
        url: `/internal/jobs/${jobId}/images/${kind}?${query}`,
        headers: {
          'content-type': options.contentType ?? 'image/png',
          [INTERNAL_TOKEN_HEADER]: options.token ?? secret,
        },
        payload: data,
      });
    },

    /** Saves a whole conversion the way the conversion service does; answers both images. */
    async saveConversion(owner: string, jobId: string = randomUUID()) {
      const original = await harness.save('original', jobId, owner, await png(120, 80, '#224466'));
      expect(original.statusCode).toBe(200);
      const converted = await harness.save('converted', jobId, owner, await png(120, 80, '#888888'));
      expect(converted.statusCode).toBe(200);
      return { jobId, original: original.json<ImageJson>(), converted: converted.json<ImageJson>() };
    },

    /** `User.images` of `userId`, asked by `caller`. */
    imagesOf(caller: Caller, userId: string, first?: number | null, after?: string | null) {
      return entities<{ images: ImagesPage }>(
        caller,
        { __typename: 'User', id: userId },
        `... on User { images(first: $first, after: $after) {
          edges { cursor node { ${imageFields} } } pageInfo { hasNextPage endCursor } } }`,
        { first, after },
      );
    },

    /** GET of a signed URL, as the gateway passes it on. */
    download(url: string) {
      const parsed = new URL(url);
      expect(parsed.origin).toBe(publicUrl);
      return harness.service.app.inject({ method: 'GET', url: parsed.pathname + parsed.search });
    },
  };
  return harness;
}
