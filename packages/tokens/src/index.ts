export {
  ACCESS_TOKEN_ALGORITHM,
  createTokenVerifier,
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  type TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedAccessToken,
} from './verifier.ts';
