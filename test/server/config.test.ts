import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseServeConfig } from "../../src/config.js";

describe("parseServeConfig()", () => {
  it("has the documented defaults", () => {
    const config = parseServeConfig([], {});
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, "./data");
    assert.equal(config.readMaxBytes, 4 * 1024 * 1024);
    assert.equal(config.logLevel, "info");
    assert.deepEqual(config.functions, [
      "preaccesstoken",
      "presamlresponse",
      "preuserinfo",
    ]);
    assert.deepEqual(config.corsOrigins, []);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.functions));
  });

  it("reads ACTIONSD_* variables and lets flags win", () => {
    const env = {
      ACTIONSD_PORT: "9000",
      ACTIONSD_HOST: "0.0.0.0",
      ACTIONSD_CORS_ORIGINS: "https://a.example, https://b.example",
      ACTIONSD_FUNCTIONS: "one,two",
      ACTIONSD_DOMAIN: "Example.COM",
      ACTIONSD_DENY_TARGETS: "10.0.0.0/8,metadata.internal",
    };
    const fromEnv = parseServeConfig([], env);
    assert.equal(fromEnv.port, 9000);
    assert.equal(fromEnv.host, "0.0.0.0");
    assert.deepEqual(fromEnv.corsOrigins, [
      "https://a.example",
      "https://b.example",
    ]);
    assert.deepEqual(fromEnv.functions, ["one", "two"]);
    assert.deepEqual(fromEnv.domains, ["example.com"]);
    assert.deepEqual(fromEnv.denyTargets, ["10.0.0.0/8", "metadata.internal"]);
    const flags = parseServeConfig(
      ["--port", "0", "--function", "x", "--function", "y",
        "--cors-origin", "*"],
      env,
    );
    assert.equal(flags.port, 0);
    assert.deepEqual(flags.functions, ["x", "y"]);
    assert.deepEqual(flags.corsOrigins, ["*"]);
  });

  const bad: [string, string[], Record<string, string>][] = [
    ["an unknown flag", ["--nope"], {}],
    ["a port that is not a number", ["--port", "80a"], {}],
    ["a port above 65535", ["--port", "70000"], {}],
    ["a port from env that is negative", [], { ACTIONSD_PORT: "-1" }],
    ["a tiny read-max-bytes", ["--read-max-bytes", "10"], {}],
    ["an unknown log level", ["--log-level", "loud"], {}],
    ["a cert without key", ["--tls-cert", "c.pem"], {}],
    ["a cors origin with a path", ["--cors-origin", "https://a.example/x"], {}],
    ["a cors origin that is no URL", ["--cors-origin", "nope"], {}],
    ["a function name with spaces", ["--function", "a b"], {}],
    ["a bad CIDR", ["--deny-target", "10.0.0.0/99"], {}],
    ["a positional argument", ["extra"], {}],
  ];
  for (const [name, args, env] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parseServeConfig(args, env), ConfigError);
    });
  }
});
