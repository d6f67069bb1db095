import { randomBytes } from "node:crypto";

/**
 * Makes a target signing key: "whsec_" and 32 random bytes in base64, the
 * secret format of Standard Webhooks, so receivers can pass it to any
 * Standard Webhooks library as it is. The `ZITADEL-Signature` header uses the
 * whole key string (prefix included) as its HMAC key, as ZITADEL does with
 * its signing keys; the `webhook-signature` header uses the decoded bytes.
 */
export function generateSigningKey(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}
