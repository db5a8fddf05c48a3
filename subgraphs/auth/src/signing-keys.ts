import { randomUUID } from 'node:crypto';
import type { Logger } from '@pixelflow/logger';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';
import { decryptSecret, deriveKeyEncryptionKey, encryptSecret } from './key-encryption.ts';
import {
  chooseSigner,
  isPublished,
  type KeyTimes,
  planRotation,
  type RotationPolicy,
} from './key-rotation.ts';
import type { SigningKeyStore, StoredSigningKey } from './store/signing-key-store.ts';
import type { UserModel } from './users.ts';

/** The claims every access token carries; the gateway's verifier (@pixelflow/tokens) checks them. */
export const TOKEN_ISSUER = 'pixelflow';
export const TOKEN_AUDIENCE = 'pixelflow';
export const TOKEN_ALGORITHM = 'EdDSA';

export interface KeyRingOptions {
  store: SigningKeyStore;
  internalSecret: string;
  logger: Logger;
  policy: RotationPolicy;
  now: () => Date;
}

interface LoadedKey extends KeyTimes {
  publicJwk: JWK;
  privateKey: CryptoKey | null;
}

/** A published key as the JWKS lists it. */
export type PublicSigningKey = JWK & { kid: string; alg: 'EdDSA'; use: 'sig' };

/**
 * The signing keys, held in memory and refreshed from PostgreSQL: `refresh()` rotates them when due
 * (under a lock, so instances agree) and reloads them. Private keys are decrypted once per key.
 */
export class KeyRing {
  readonly #options: KeyRingOptions;
  readonly #kek: Buffer;
  #keys: LoadedKey[] = [];
  readonly #decrypted = new Map<string, CryptoKey | null>();

  constructor(options: KeyRingOptions) {
    this.#options = options;
    this.#kek = deriveKeyEncryptionKey(options.internalSecret);
  }

  /** Makes and retires keys as the rotation policy says, then reloads the set. */
  async refresh(): Promise<void> {
    const { store, policy, now } = this.#options;
    const keys = await store.exclusive(async (writer) => {
      const at = now();
      const current = await Promise.all((await writer.list()).map((key) => this.#load(key)));
      const plan = planRotation(current, at.getTime(), policy);
      if (plan.create) await writer.insert(await this.#newKey(at));
      await writer.retire(plan.retire, at);
      return plan.create || plan.retire.length > 0 ? writer.list() : undefined;
    });
    this.#keys = keys ? await Promise.all(keys.map((key) => this.#load(key))) : await this.#reload();
  }

  /** The keys a verifier needs now, for `/.well-known/jwks.json`. */
  publishedKeys(): PublicSigningKey[] {
    const { policy, now } = this.#options;
    const at = now().getTime();
    return this.#keys
      .filter((key) => isPublished(key, at, policy))
      .map((key) => ({ ...key.publicJwk, kid: key.kid, alg: TOKEN_ALGORITHM, use: 'sig' }));
  }

  /** The id of the key that signs now. */
  signerKid(): string {
    return this.#signer().kid;
  }

  /** An access token for the user: EdDSA, `kid` in the header, `sub`, `email`, `iss`, `aud`, `iat`, `exp`. */
  async signAccessToken(user: UserModel): Promise<string> {
    const signer = this.#signer();
    const issuedAt = Math.floor(this.#options.now().getTime() / 1000);
    return new SignJWT({ email: user.email })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: signer.kid, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + Math.round(this.#options.policy.accessTokenTtlMs / 1000))
      .sign(signer.privateKey!);
  }

  #signer(): LoadedKey {
    const signer = chooseSigner(this.#keys, this.#options.now().getTime(), this.#options.policy);
    if (!signer?.privateKey) throw new Error('no signing key is loaded');
    return signer;
  }

  async #reload(): Promise<LoadedKey[]> {
    return Promise.all((await this.#options.store.list()).map((key) => this.#load(key)));
  }

  async #load(key: StoredSigningKey): Promise<LoadedKey> {
    if (!this.#decrypted.has(key.kid)) {
      let privateKey: CryptoKey | null = null;
      try {
        const jwk = JSON.parse(decryptSecret(this.#kek, key.privateJwkEncrypted, key.kid)) as JWK;
        privateKey = (await importJWK(jwk, TOKEN_ALGORITHM)) as CryptoKey;
      } catch (error) {
        // Encrypted under another INTERNAL_SECRET (it was changed): publish it, never sign with it.
        this.#options.logger.warn(
          { err: error, kid: key.kid },
          'cannot decrypt signing key; not signing with it',
        );
      }
      this.#decrypted.set(key.kid, privateKey);
    }
    const privateKey = this.#decrypted.get(key.kid) ?? null;
    return {
      kid: key.kid,
      publicJwk: key.publicJwk,
      createdAt: key.createdAt.getTime(),
      retiredAt: key.retiredAt?.getTime() ?? null,
      usable: privateKey !== null,
      privateKey,
    };
  }

  async #newKey(createdAt: Date): Promise<StoredSigningKey> {
    const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM, {
      crv: 'Ed25519',
      extractable: true,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    this.#options.logger.info({ kid }, 'new signing key');
    return {
      kid,
      publicJwk,
      privateJwkEncrypted: encryptSecret(this.#kek, JSON.stringify(privateJwk), kid),
      createdAt,
      retiredAt: null,
    };
  }
}
