import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { generateSigningKey } from "../../src/domain/signing-key.js";
import { signatureHeaders } from "../../src/runtime/signing.js";
import { verifyZitadelSignature } from "./verify-signature.js";

describe("signatureHeaders()", () => {
  const key = generateSigningKey();
  const body = JSON.stringify({ fullMethod: "/a.B/C", request: { x: 1 } });
  const headers = signatureHeaders({ key, body });

  it("verifies with the standardwebhooks package", () => {
    const webhook = new Webhook(key);
    assert.deepEqual(webhook.verify(body, headers), JSON.parse(body));
  });

  it("verifies with an independent HMAC check of ZITADEL-Signature", () => {
    assert.equal(
      verifyZitadelSignature(headers["zitadel-signature"]!, body, key),
      true,
    );
  });

  it("fails both checks for a tampered body", () => {
    const tampered = body.replace('"x":1', '"x":2');
    assert.throws(() => new Webhook(key).verify(tampered, headers));
    assert.equal(
      verifyZitadelSignature(headers["zitadel-signature"]!, tampered, key),
      false,
    );
  });

  it("fails both checks with another key", () => {
    const other = generateSigningKey();
    assert.throws(() => new Webhook(other).verify(body, headers));
    assert.equal(
      verifyZitadelSignature(headers["zitadel-signature"]!, body, other),
      false,
    );
  });

  it("uses the given timestamp and message id", () => {
    const fixed = signatureHeaders({
      key,
      body,
      timestamp: 1700000000,
      messageId: "abc",
    });
    assert.equal(fixed["webhook-id"], "msg_abc");
    assert.equal(fixed["webhook-timestamp"], "1700000000");
    assert.match(fixed["zitadel-signature"]!, /^t=1700000000,v1=[0-9a-f]{64}$/);
  });
});
