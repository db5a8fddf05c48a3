import {
  anonymous,
  type CallOptions,
  callRoute,
  IDENTITY_HEADER,
  type ServiceClientOptions,
  signIdentity,
  Upstream,
} from '@pixelflow/service-kit';
import { authRoutes, type Credentials, type SignIn } from './routes.ts';

/** The browser a call is made for. */
export interface Caller {
  /** The client's address, for auth's sign-in throttle. */
  ip: string;
  /** Carried on, so that both services' logs name the same request. */
  requestId: string;
}

/** The typed client of the auth service's internal session API (authRoutes). */
export class AuthClient {
  readonly #upstream: Upstream;
  readonly #internalSecret: string;

  constructor({ urls, internalSecret }: ServiceClientOptions) {
    this.#upstream = new Upstream({ urls, secret: internalSecret, name: 'auth' });
    this.#internalSecret = internalSecret;
  }

  register(credentials: Credentials, caller: Caller): Promise<SignIn> {
    return callRoute(this.#upstream, authRoutes.register, { body: credentials }, this.#as(caller));
  }

  login(credentials: Credentials, caller: Caller): Promise<SignIn> {
    return callRoute(this.#upstream, authRoutes.login, { body: credentials }, this.#as(caller));
  }

  refresh(refreshToken: string, caller: Caller): Promise<SignIn> {
    return callRoute(this.#upstream, authRoutes.refresh, { body: { refreshToken } }, this.#as(caller));
  }

  async logout(refreshToken: string, caller: Caller): Promise<boolean> {
    const input = { body: { refreshToken } };
    return (await callRoute(this.#upstream, authRoutes.logout, input, this.#as(caller))).revoked;
  }

  #as(caller: Caller): CallOptions {
    return {
      headers: {
        'x-request-id': caller.requestId,
        [IDENTITY_HEADER]: signIdentity(this.#internalSecret, anonymous(caller.ip)),
      },
    };
  }
}
