import { createHmac, randomUUID } from "node:crypto";

/** Options of `signatureHeaders`. */
export interface SignatureOptions {
  /** The target's signing key, "whsec_" and base64 (signing-key.ts). */
  readonly key: string;
  /** The exact bytes that are sent. */
  readonly body: string;
  /** Unix seconds of the signature. Default: now. */
  readonly timestamp?: number;
  /** The message id without "msg_". Default: a random UUID. */
  readonly messageId?: string;
}

/**
 * Answers the headers that let a receiver check a call came from actionsd
 * and was not changed:
 * - `ZITADEL-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
 *   keyed with the whole key string, as ZITADEL does;
 * - the Standard Webhooks headers `webhook-id` ("msg_..."),
 *   `webhook-timestamp` and `webhook-signature` ("v1,<base64 HMAC-SHA256 of
 *   "<id>.<t>.<body>">"), keyed with the decoded bytes after "whsec_", so any
 *   Standard Webhooks library verifies them with the key as it is.
 * Header names are lowercase; HTTP treats them case-insensitively.
 */
export function signatureHeaders(
  options: SignatureOptions,
): Record<string, string> {
  const timestamp = String(
    options.timestamp ?? Math.floor(Date.now() / 1000),
  );
  const id = `msg_${options.messageId ?? randomUUID().replaceAll("-", "")}`;
  const zitadel = createHmac("sha256", options.key)
    .update(`${timestamp}.${options.body}`)
    .digest("hex");
  const standard = createHmac("sha256", standardKey(options.key))
    .update(`${id}.${timestamp}.${options.body}`)
    .digest("base64");
  return {
    "zitadel-signature": `t=${timestamp},v1=${zitadel}`,
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${standard}`,
  };
}

function standardKey(key: string): Buffer {
  // A key without the prefix is taken as base64 too, which is what
  // Standard Webhooks libraries do with such a secret.
  const encoded = key.startsWith("whsec_") ? key.slice(6) : key;
  return Buffer.from(encoded, "base64");
}
