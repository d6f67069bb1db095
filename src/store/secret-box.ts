import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Seals small secrets at rest and opens them again. */
export interface SecretBox {
  /** Encrypts `plain`; every call uses a fresh nonce. */
  seal(plain: string): Buffer;
  /** Decrypts what `seal` made; throws when the data or key do not match. */
  open(sealed: Uint8Array): string;
}

const nonceLength = 12;
const tagLength = 16;

/**
 * Creates a SecretBox with AES-256-GCM under `key` (32 bytes, else a
 * RangeError). A sealed value is nonce (12 bytes), ciphertext and tag
 * (16 bytes), so tampering or a wrong key fails `open` instead of answering
 * garbage.
 */
export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== 32) {
    throw new RangeError("secret key must be 32 bytes");
  }
  // Copy the key so a caller reusing its buffer cannot change it later.
  const secret = Buffer.from(key);
  return {
    seal(plain) {
      const nonce = randomBytes(nonceLength);
      const cipher = createCipheriv("aes-256-gcm", secret, nonce);
      const body = cipher.update(plain, "utf8");
      const rest = cipher.final();
      return Buffer.concat([nonce, body, rest, cipher.getAuthTag()]);
    },
    open(sealed) {
      const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
      if (data.length < nonceLength + tagLength) {
        throw new RangeError("sealed value is too short");
      }
      const nonce = data.subarray(0, nonceLength);
      const tag = data.subarray(data.length - tagLength);
      const decipher = createDecipheriv("aes-256-gcm", secret, nonce);
      decipher.setAuthTag(tag);
      const body = data.subarray(nonceLength, data.length - tagLength);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString(
        "utf8",
      );
    },
  };
}
