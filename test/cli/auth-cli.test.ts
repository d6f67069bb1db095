import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { createAuthInterceptor } from "../../src/auth/auth-interceptor.js";
import { ensureDefaultInstance } from "../../src/auth/bootstrap.js";
import { rolesClaim } from "../../src/auth/permissions.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { openDatabase, type Db } from "../../src/store/database.js";
import { dataPaths, ensureDataDirectory } from "../../src/store/data-directory.js";
import { loadSecretKey } from "../../src/store/secret-key.js";
import {
  loopbackLookup,
  startActionServer,
  type ActionServer,
} from "../auth/support/action-server.js";
import { startOidcProvider, type OidcProvider } from "../auth/support/oidc-provider.js";
import { runCliCapturing } from "../support/cli-admin.js";

const run = runCliCapturing;

describe("actionsd token, instance and keys", () => {
  let dir: string;
  let db: Db;
  let server: ActionServer;
  let provider: OidcProvider;
  let adminToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "auth-cli-"));
    db = openDatabase({ path: ensureDataDirectory(dir).database });
    await ensureDefaultInstance({
      db,
      dataDir: dir,
      secretKey: loadSecretKey(dataPaths(dir).secretKey),
      domains: [],
      clock: () => new Date(),
      ids: createIdGenerator(),
    });
    adminToken = readFileSync(dataPaths(dir).adminToken, "utf8");
    // The interceptor stays open the whole time, as a running server's.
    server = await startActionServer(
      createAuthInterceptor({ db, jwksCooldownMs: 0 }),
    );
    provider = await startOidcProvider();
  });

  after(async () => {
    await server.close();
    await provider.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function list(host: string, token: string): Promise<Code | "ok"> {
    const transport = createGrpcTransport({
      baseUrl: `http://${host}:${server.port2}`,
      nodeOptions: { lookup: loopbackLookup },
    });
    try {
      await createClient(ActionService, transport).listTargets(
        {},
        { headers: { authorization: `Bearer ${token}` }, timeoutMs: 5000 },
      );
      return "ok";
    } catch (error) {
      return ConnectError.from(error).code;
    }
  }

  it("mints a token and prints only it", async () => {
    const result = await run("token", "--data", dir, "--role", "IAM_OWNER_VIEWER", "--ttl", "10m");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = result.stdout.trim();
    assert.equal(await list("localhost", token), "ok");
    assert.equal(await list("localhost", adminToken), "ok");
  });

  const badUsage: [string, string[]][] = [
    ["token without role", ["token", "--data", "DIR"]],
    ["token with a bad ttl", ["token", "--data", "DIR", "--role", "R", "--ttl", "soon"]],
    ["token with an unknown flag", ["token", "--data", "DIR", "--role", "R", "--x"]],
    ["instance add without domain", ["instance", "add", "--data", "DIR", "--name", "n"]],
    ["instance with unknown subcommand", ["instance", "frob", "--data", "DIR"]],
    ["instance set with a bad flag value", ["instance", "set", "--data", "DIR", "--instance", "x", "--actions", "maybe"]],
    ["keys without subcommand", ["keys", "--data", "DIR"]],
  ];
  for (const [name, args] of badUsage) {
    it(`exits 2 with one line on stderr for ${name}`, async () => {
      const result = await run(...args.map((arg) => (arg === "DIR" ? dir : arg)));
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    });
  }

  it("exits 1 when the data directory has no database", async () => {
    const result = await run("token", "--data", join(dir, "missing"), "--role", "R");
    assert.equal(result.code, 1);
  });

  it("adds an instance that the open server serves on the next call", async () => {
    const added = await run(
      "instance", "add", "--data", dir, "--name", "tenant-b",
      "--domain", "B.example", "--domain", "b2.example",
    );
    assert.equal(added.code, 0, added.stderr);
    const id = added.stdout.trim();
    assert.match(id, /^\d+$/);

    const listed = await run("instance", "list", "--data", dir);
    assert.ok(listed.stdout.includes(`${id}\ttenant-b\ton\tb.example,b2.example\n`));

    const minted = await run("token", "--data", dir, "--instance", "b.example", "--role", "IAM_OWNER");
    assert.equal(minted.code, 0, minted.stderr);
    const tokenB = minted.stdout.trim();
    assert.equal(await list("b2.example", tokenB), "ok");
    // B's token at the default instance's domain, and the other way round.
    assert.equal(await list("localhost", tokenB), Code.Unauthenticated);
    assert.equal(await list("b.example", adminToken), Code.Unauthenticated);

    const taken = await run("instance", "add", "--data", dir, "--name", "x", "--domain", "b.example");
    assert.equal(taken.code, 1);
  });

  it("turns the feature off and on for the open server", async () => {
    const off = await run("instance", "set", "--data", dir, "--instance", "localhost", "--actions", "off");
    assert.equal(off.code, 0, off.stderr);
    assert.equal(await list("localhost", adminToken), Code.FailedPrecondition);
    const on = await run("instance", "set", "--data", dir, "--instance", "localhost", "--actions", "on");
    assert.equal(on.code, 0, on.stderr);
    assert.equal(await list("localhost", adminToken), "ok");
  });

  it("rotates keys: old tokens stay valid, new ones use the new key", async () => {
    const before = (await run("token", "--data", dir, "--role", "IAM_OWNER")).stdout.trim();
    const rotated = await run("keys", "rotate", "--data", dir, "--alg", "EdDSA");
    assert.equal(rotated.code, 0, rotated.stderr);
    const kid = rotated.stdout.trim();
    const afterRotation = (await run("token", "--data", dir, "--role", "IAM_OWNER")).stdout.trim();
    const header = JSON.parse(
      Buffer.from(afterRotation.split(".")[0]!, "base64url").toString(),
    );
    assert.equal(header.kid, kid);
    assert.equal(header.alg, "EdDSA");
    assert.equal(await list("localhost", afterRotation), "ok");
    assert.equal(await list("localhost", before), "ok");
    assert.equal(await list("localhost", adminToken), "ok");

    const keys = await run("keys", "list", "--data", dir);
    assert.equal(keys.stdout.trim().split("\n").length, 2);
  });

  it("trusts an external issuer for the open server, and stops trusting it", async () => {
    const token = await provider.sign({
      sub: "ext-user",
      aud: "project-1",
      exp: Math.floor(Date.now() / 1000) + 300,
      [rolesClaim]: { IAM_OWNER: { "org-1": "org1.example" } },
    });
    assert.equal(await list("localhost", token), Code.Unauthenticated);
    const trusted = await run(
      "instance", "trust", "--data", dir, "--instance", "localhost",
      "--issuer", provider.issuer, "--audience", "project-1",
    );
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(await list("localhost", token), "ok");

    const untrusted = await run(
      "instance", "untrust", "--data", dir, "--instance", "localhost",
      "--issuer", provider.issuer,
    );
    assert.equal(untrusted.code, 0, untrusted.stderr);
    assert.equal(await list("localhost", token), Code.Unauthenticated);
  });
});
