import { createHmac, timingSafeEqual } from "node:crypto";

/** An HMAC check of ZITADEL-Signature written from the contract alone. */
export function verifyZitadelSignature(
  header: string,
  body: string,
  key: string,
): boolean {
  const parts = new Map(
    header.split(",").map((part) => {
      const eq = part.indexOf("=");
      return [part.slice(0, eq), part.slice(eq + 1)] as const;
    }),
  );
  const t = parts.get("t");
  const v1 = parts.get("v1");
  if (t === undefined || v1 === undefined) {
    return false;
  }
  const expected = createHmac("sha256", key).update(`${t}.${body}`).digest();
  const actual = Buffer.from(v1, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
