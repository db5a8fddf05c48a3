import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The key that encrypts signing keys at rest: HKDF-SHA256 of INTERNAL_SECRET, bound to this one use
 * by its salt and info, so the secret itself is never an AES key and another use of it derives
 * another key.
 */
export function deriveKeyEncryptionKey(internalSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', internalSecret, 'pixelflow-auth', 'signing-key-encryption.v1', 32));
}

/**
 * AES-256-GCM with a random IV; `context` (the key id) is authenticated too, so a ciphertext moved
 * to another row does not decrypt. Layout: iv (12) || tag (16) || ciphertext.
 */
export function encryptSecret(kek: Buffer, plaintext: string, context: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** Throws when the data was changed, belongs to another context, or was encrypted under another secret. */
export function decryptSecret(kek: Buffer, sealed: Buffer, context: string): string {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed data is too short');
  const decipher = createDecipheriv('aes-256-gcm', kek, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
    'utf8',
  );
}
