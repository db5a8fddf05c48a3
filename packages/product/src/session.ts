/** The signed-in person, as the gateway's /auth routes and the web app know them. */
export interface User {
  id: string;
  email: string;
}

/**
 * What a browser gets from `POST /auth/register`, `/auth/login` and `/auth/refresh`: the access
 * token (kept in the page's memory only; the refresh token travels in an HttpOnly cookie) and when
 * it expires.
 */
export interface Session {
  accessToken: string;
  /** ISO time of the access token's expiry: refresh a little before. */
  expiresAt: string;
  user: User;
}
