import { AuthClient, type Caller, credentialsSchema, type SignIn } from '@pixelflow/auth-api';
import { AppError } from '@pixelflow/errors';
import type { Session } from '@pixelflow/product';
import type { Upstream } from '@pixelflow/service-kit';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The cookie that holds a browser's refresh token. */
export const REFRESH_COOKIE = 'pixelflow_refresh';

/**
 * Sessions for browsers, beside the GraphQL mutations (which stay for other clients): the refresh
 * token lives in an HttpOnly cookie that page scripts cannot read, scoped to /auth and SameSite
 * Strict. A script injected into the page can act as the user while the page is open (it may call
 * /auth/refresh itself), but cannot carry off the 30-day credential to use elsewhere or later.
 * - `POST /auth/register`, `POST /auth/login` with `{"email", "password"}`: a Session, and the cookie;
 * - `POST /auth/refresh`: trades the cookie's token for a new Session and cookie (each refresh
 *   token works once; a reused one revokes the sign-in, see the auth service);
 * - `POST /auth/logout`: ends the sign-in and clears the cookie (204).
 * Every route wants `Content-Type: application/json`: a cross-site form cannot send that without a
 * CORS preflight, which the gateway does not grant, so no other site can drive these routes.
 * Errors are JSON with the auth service's codes (400, 401, 409, 429 with retryAfter). Auth serves
 * these through its internal session API (@pixelflow/auth-api), which also says how long the cookie
 * lasts: as long as the refresh token in it.
 */
export function registerSessionRoutes(app: FastifyInstance, auth: Upstream, internalSecret: string): void {
  const sessions = new AuthClient({ urls: auth.urls, internalSecret });
  const callerOf = (request: FastifyRequest): Caller => ({ ip: request.ip, requestId: String(request.id) });

  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number) =>
    reply.header(
      'set-cookie',
      stringifySetCookie({
        name: REFRESH_COOKIE,
        value,
        httpOnly: true,
        sameSite: 'strict',
        path: '/auth',
        maxAge,
        // Over plain HTTP (a laptop's localhost) a Secure cookie would not come back.
        secure: request.protocol === 'https',
      }),
    );

  const startSession = (request: FastifyRequest, reply: FastifyReply, signIn: SignIn): Session => {
    setCookie(request, reply, signIn.refreshToken, signIn.refreshTokenMaxAgeS);
    reply.header('cache-control', 'no-store');
    return { accessToken: signIn.accessToken, expiresAt: signIn.expiresAt, user: signIn.user };
  };

  const refreshTokenOf = (request: FastifyRequest): string | undefined =>
    parseCookie(request.headers.cookie ?? '')[REFRESH_COOKIE];

  app.register(async (scope) => {
    scope.addHook('preHandler', async (request) => {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
        throw new AppError('BAD_REQUEST', 'send Content-Type: application/json');
    });

    const credentials = (body: unknown) => {
      const parsed = credentialsSchema.safeParse(body);
      if (!parsed.success) throw new AppError('BAD_USER_INPUT', 'send {"email": "…", "password": "…"}');
      return parsed.data;
    };
    for (const action of ['register', 'login'] as const) {
      scope.post(`/auth/${action}`, async (request, reply) =>
        startSession(request, reply, await sessions[action](credentials(request.body), callerOf(request))),
      );
    }

    scope.post('/auth/refresh', async (request, reply) => {
      const refreshToken = refreshTokenOf(request);
      if (!refreshToken) throw new AppError('INVALID_TOKEN', 'not signed in (no session cookie)');
      try {
        return startSession(request, reply, await sessions.refresh(refreshToken, callerOf(request)));
      } catch (error) {
        // A dead token stays dead: drop it so that the page shows the sign-in form.
        if (error instanceof AppError && error.status === 401) setCookie(request, reply, '', 0);
        throw error;
      }
    });

    scope.post('/auth/logout', async (request, reply) => {
      const refreshToken = refreshTokenOf(request);
      // The cookie goes whatever the auth service answers: a browser that signed out must not
      // keep a working token (a shared computer). When auth could not revoke it, the error says so.
      setCookie(request, reply, '', 0);
      if (refreshToken) await sessions.logout(refreshToken, callerOf(request));
      return reply.code(204).send();
    });
  });
}
