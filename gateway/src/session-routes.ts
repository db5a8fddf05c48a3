import { AppError, isErrorCode } from '@pixelflow/errors';
import { anonymous, IDENTITY_HEADER, signIdentity, type Upstream } from '@pixelflow/service-kit';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The cookie that holds a browser's refresh token. */
export const REFRESH_COOKIE = 'pixelflow_refresh';
/** The refresh token's lifetime at the auth service (REFRESH_TOKEN_TTL_S's default), for the cookie. */
const REFRESH_MAX_AGE_S = 30 * 24 * 3600;

const payloadFields = 'accessToken refreshToken user { id email }';
const operations = {
  register: `mutation($email: String!, $password: String!) { result: register(email: $email, password: $password) { ${payloadFields} } }`,
  login: `mutation($email: String!, $password: String!) { result: login(email: $email, password: $password) { ${payloadFields} } }`,
  refresh: `mutation($refreshToken: String!) { result: refreshToken(refreshToken: $refreshToken) { ${payloadFields} } }`,
  logout: 'mutation($refreshToken: String!) { result: logout(refreshToken: $refreshToken) }',
} as const;

interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

/** What a browser gets: the access token (kept in memory by the page) and when it expires. */
export interface Session {
  accessToken: string;
  /** ISO time of the access token's expiry: refresh a little before. */
  expiresAt: string;
  user: { id: string; email: string };
}

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
 * Errors are JSON with the auth service's codes (400, 401, 409, 429 with retryAfter).
 */
export function registerSessionRoutes(app: FastifyInstance, auth: Upstream, internalSecret: string): void {
  const call = async <T>(request: FastifyRequest, query: string, variables: Record<string, unknown>) => {
    const answer = await auth.json<{
      data?: { result: T } | null;
      errors?: Array<{ message: string; extensions?: { code?: unknown; [key: string]: unknown } }>;
    }>('/graphql', {
      method: 'POST',
      body: { query, variables },
      headers: {
        'x-request-id': String(request.id),
        [IDENTITY_HEADER]: signIdentity(internalSecret, anonymous(request.ip)),
      },
      timeoutMs: 15_000,
    });
    const error = answer.errors?.[0];
    if (error) {
      const { code, ...details } = error.extensions ?? {};
      throw new AppError(
        isErrorCode(code) ? code : 'INTERNAL_SERVER_ERROR',
        error.message,
        Object.keys(details).length > 0 ? details : undefined,
      );
    }
    if (!answer.data) throw new AppError('SERVICE_UNAVAILABLE', 'the auth service gave no answer');
    return answer.data.result;
  };

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

  const startSession = (request: FastifyRequest, reply: FastifyReply, payload: AuthPayload): Session => {
    setCookie(request, reply, payload.refreshToken, REFRESH_MAX_AGE_S);
    reply.header('cache-control', 'no-store');
    return { accessToken: payload.accessToken, expiresAt: expiryOf(payload.accessToken), user: payload.user };
  };

  const refreshTokenOf = (request: FastifyRequest): string => {
    const token = parseCookie(request.headers.cookie ?? '')[REFRESH_COOKIE];
    if (!token) throw new AppError('INVALID_TOKEN', 'not signed in (no session cookie)');
    return token;
  };

  app.register(async (scope) => {
    scope.addHook('preHandler', async (request) => {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
        throw new AppError('BAD_REQUEST', 'send Content-Type: application/json');
    });

    const credentials = (body: unknown) => {
      const { email, password } = (body ?? {}) as Record<string, unknown>;
      if (typeof email !== 'string' || typeof password !== 'string')
        throw new AppError('BAD_USER_INPUT', 'send {"email": "…", "password": "…"}');
      return { email, password };
    };
    for (const action of ['register', 'login'] as const) {
      scope.post(`/auth/${action}`, async (request, reply) =>
        startSession(
          request,
          reply,
          await call<AuthPayload>(request, operations[action], credentials(request.body)),
        ),
      );
    }

    scope.post('/auth/refresh', async (request, reply) => {
      const refreshToken = refreshTokenOf(request);
      try {
        return startSession(
          request,
          reply,
          await call<AuthPayload>(request, operations.refresh, { refreshToken }),
        );
      } catch (error) {
        // A dead token stays dead: drop it so that the page shows the sign-in form.
        if (error instanceof AppError && error.status === 401) setCookie(request, reply, '', 0);
        throw error;
      }
    });

    scope.post('/auth/logout', async (request, reply) => {
      const refreshToken = parseCookie(request.headers.cookie ?? '')[REFRESH_COOKIE];
      // The cookie goes whatever the auth service answers: a browser that signed out must not
      // keep a working token (a shared computer). When auth could not revoke it, the error says so.
      setCookie(request, reply, '', 0);
      if (refreshToken) await call<boolean>(request, operations.logout, { refreshToken });
      return reply.code(204).send();
    });
  });
}

/** The `exp` of a JWT, without verifying it (the gateway verifies the token on every use). */
function expiryOf(jwt: string): string {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    exp?: number;
  };
  return new Date((payload.exp ?? 0) * 1000).toISOString();
}
