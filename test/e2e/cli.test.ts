import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { startServer, type TestServer } from "../support/start-server.js";
import {
  addInstance,
  mintToken,
  rotateKeys,
  runCli,
} from "../support/cli-admin.js";
import { createHostClient } from "../support/host-requests.js";

const hostA = "localhost";
const hostB = "tenant-b.test";

// The kid a compact JWS names in its protected header.
function kidOf(token: string): string {
  const header = JSON.parse(
    Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"),
  ) as { kid?: string };
  return header.kid ?? "";
}

async function assertCode(call: Promise<unknown>, code: Code): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, code, `${Code[error.code]}: ${error.message}`);
    return true;
  });
}

describe("actionsd keys rotate while the server runs", {
  timeout: 60_000,
}, () => {
  let server: TestServer;
  let viewerBefore: string;
  let ownerB: string;
  let oldKid: string;
  let newKid: string;
  const listTargets = (token: string, host = hostA) =>
    createHostClient(host, server.port, "connect-json-1.1", token)
      .listTargets({});

  before(async () => {
    server = await startServer();
    await addInstance(server.dataDir, "tenant-b", [hostB]);
    [viewerBefore, ownerB] = await Promise.all([
      mintToken(server.dataDir, ["IAM_OWNER_VIEWER"]),
      mintToken(server.dataDir, ["IAM_OWNER"], hostB),
    ]);
    oldKid = kidOf(server.adminToken);
    // Tokens verified before the rotation are cached; the rotation must
    // not depend on that cache either way.
    await listTargets(server.adminToken);
    await listTargets(ownerB, hostB);
    newKid = await rotateKeys(server.dataDir);
  });
  after(async () => {
    await server?.stop();
  });

  it("prints a new kid and lists the old key as retired", async () => {
    assert.notEqual(oldKid, "");
    assert.notEqual(newKid, oldKid);
    const lines = (await runCli(["keys", "list", "--data", server.dataDir]))
      .split("\n")
      .map((line) => line.split("\t"));
    const byKid = new Map(lines.map((fields) => [fields[0], fields[3]]));
    assert.equal(byKid.get(newKid), "active");
    assert.notEqual(byKid.get(oldKid), undefined);
    assert.notEqual(byKid.get(oldKid), "active");
  });

  it("still accepts tokens signed by the old key", async () => {
    await listTargets(server.adminToken);
    await listTargets(viewerBefore);
  });

  it("accepts a token minted after the rotation, signed by the new key", async () => {
    const token = await mintToken(server.dataDir, ["IAM_OWNER"]);
    assert.equal(kidOf(token), newKid);
    const created = await createHostClient(
      hostA,
      server.port,
      "grpc",
      token,
    ).createTarget({
      name: `after-rotate-${Date.now()}`,
      targetType: { case: "restCall", value: { interruptOnError: false } },
      timeout: { seconds: 5n },
      endpoint: "https://example.com/hook",
    });
    assert.match(created.id, /^\d+$/);
  });

  it("leaves the other instance's tokens alone", async () => {
    await listTargets(ownerB, hostB);
    const token = await mintToken(server.dataDir, ["IAM_OWNER"], hostB);
    assert.notEqual(kidOf(token), newKid);
    await listTargets(token, hostB);
    // A's new key does not make B's tokens good at A.
    await assertCode(listTargets(token), Code.Unauthenticated);
  });
});
