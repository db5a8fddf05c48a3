import type { FastifyInstance } from 'fastify';
import type { KeyRing } from './signing-keys.ts';

/** Verifiers refetch every minute anyway; this only spares caches in between from asking more often. */
export const JWKS_MAX_AGE_S = 300;

export const JWKS_PATH = '/.well-known/jwks.json';

/** `GET /.well-known/jwks.json`: the public keys that verify access tokens (RFC 7517). */
export function registerJwksRoute(app: FastifyInstance, keys: KeyRing): void {
  app.get(JWKS_PATH, async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`);
    reply.type('application/jwk-set+json');
    return { keys: keys.publishedKeys() };
  });
}
