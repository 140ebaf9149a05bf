import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets the portal must read back (signing keys, authenticator secrets) are kept in
 * Postgres sealed with AES-256-GCM under a key derived from SECRET_KEY: a copy of the
 * database alone does not give them away. `purpose` keeps one kind of secret from being
 * opened as another.
 */
const keyFor = (secretKey: string, purpose: string) => createHash('sha256').update(`${purpose}\0${secretKey}`).digest();

export function seal(plain: Buffer, secretKey: string, purpose: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secretKey, purpose), iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Throws when the box was sealed under another key or purpose, or was changed. */
export function unseal(box: Buffer, secretKey: string, purpose: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', keyFor(secretKey, purpose), box.subarray(0, 12));
  decipher.setAuthTag(box.subarray(12, 28));
  return Buffer.concat([decipher.update(box.subarray(28)), decipher.final()]);
}
