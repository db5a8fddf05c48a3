import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { AppError } from '@pixelflow/errors';
import type { Logger } from '@pixelflow/logger';
import { type Identity, Upstream } from '@pixelflow/service-kit';
import { createTokenVerifier } from '@pixelflow/tokens';
import { GraphQLError } from 'graphql';

export interface Authenticator {
  /**
   * The identity a request proves: anonymous without credentials, the token's user with a valid
   * access token, and INVALID_TOKEN for a bad one (so that a client knows to refresh it).
   */
  identify(authorization: unknown, ip: string): Promise<Identity>;
  start(): Promise<void>;
  stop(): void;
}

/**
 * Verifies access tokens against the auth service's published keys, which are kept in memory and
 * refreshed in the background: signed-in users keep working while the auth service is down.
 */
export function createAuthenticator({
  authUrls,
  logger,
}: {
  authUrls: readonly string[];
  logger: Logger;
}): Authenticator {
  const auth = new Upstream({ urls: authUrls, name: 'auth' });
  const verifier = createTokenVerifier({
    jwksUrl: `${authUrls[0]}/.well-known/jwks.json`,
    // Through the upstream: any auth instance can answer, and a dead one is skipped.
    fetch: async (url: string) => {
      const response = await auth.request(new URL(url).pathname, { timeoutMs: 5000 });
      return new Response(await response.body.arrayBuffer(), {
        status: response.statusCode,
        headers: { 'content-type': String(response.headers['content-type'] ?? 'application/json') },
      });
    },
  });
  return {
    async identify(authorization, ip) {
      if (authorization === undefined || authorization === null || authorization === '')
        return { userId: null, ip };
      const match =
        typeof authorization === 'string' ? /^Bearer ([\w.-]+)$/i.exec(authorization.trim()) : null;
      if (!match)
        throw new AppError('INVALID_TOKEN', 'the Authorization header must be "Bearer <access token>"');
      const { userId } = await verifier.verify(match[1]!);
      return { userId, ip };
    },
    async start() {
      // A gateway that starts while auth is down still serves anonymous requests; it fetches the
      // keys as soon as auth answers.
      await verifier.start().catch((error: unknown) => {
        logger.warn({ err: error }, 'signing keys not loaded yet; signed-in requests fail until they are');
      });
    },
    stop() {
      verifier.stop();
    },
  };
}

/** Context creation fails with 401 and the code, not Apollo's generic 500, for a bad token. */
export function rejectAs401(error: unknown): never {
  const code = error instanceof AppError ? error.code : 'INVALID_TOKEN';
  const message = error instanceof Error ? error.message : 'invalid access token';
  throw new GraphQLError(message, { extensions: { code, http: { status: 401 } } });
}

/**
 * A function giving the client's address for a WebSocket upgrade, decided as fastify decides it
 * for HTTP requests with the same trustProxy setting (all proxies, none, or a list of them).
 */
export function clientIpResolver(
  trustProxy: boolean | string | undefined,
): (request: IncomingMessage) => string {
  const trust =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'string' && trustProxy
        ? proxyAddr.compile(trustProxy.split(',').map((entry) => entry.trim()))
        : () => false;
  return (request) => proxyAddr(request, trust) ?? 'unknown';
}
