import { authRoutes, type SignIn } from '@pixelflow/auth-api';
import { IDENTITY_HEADER, requireInternalToken, serveRoutes, verifyIdentity } from '@pixelflow/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { Accounts, AuthPayload } from './accounts.ts';

export interface SessionRoutesOptions {
  accounts: Accounts;
  internalSecret: string;
  /** The refresh token's lifetime, told to the caller for its cookie. */
  refreshTokenTtlS: number;
}

/**
 * The internal session API (authRoutes) behind the internal secret: the same Accounts calls as the
 * GraphQL mutations, for the gateway's browser sessions. The throttle counts the address the
 * gateway vouches for in the identity header, as it does for GraphQL.
 */
export function registerSessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): void {
  const { accounts, internalSecret, refreshTokenTtlS } = options;
  const ipOf = (request: FastifyRequest) =>
    verifyIdentity(internalSecret, request.headers[IDENTITY_HEADER]).ip;
  const signIn = ({ accessToken, refreshToken, user }: AuthPayload): SignIn => ({
    accessToken,
    // Read back from the token just signed, so that it is the expiry the token itself carries.
    expiresAt: new Date((decodeJwt(accessToken).exp ?? 0) * 1000).toISOString(),
    refreshToken,
    refreshTokenMaxAgeS: refreshTokenTtlS,
    user: { id: user.id, email: user.email },
  });

  app.register(async (internal) => {
    internal.addHook('onRequest', requireInternalToken(internalSecret));
    serveRoutes(internal, authRoutes, {
      register: async (request) =>
        signIn(await accounts.register(request.body.email, request.body.password, ipOf(request))),
      login: async (request) =>
        signIn(await accounts.login(request.body.email, request.body.password, ipOf(request))),
      refresh: async (request) => signIn(await accounts.refresh(request.body.refreshToken)),
      logout: async (request) => ({ revoked: await accounts.logout(request.body.refreshToken) }),
    });
  });
}
