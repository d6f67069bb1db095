import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed certificate for 127.0.0.1 and localhost. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate PEM, to trust it as a CA. */
  readonly certPem: string;
}

/** Makes a fresh self-signed certificate with openssl, valid one day. */
export function createTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "actionsd-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
      "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", keyFile, "-out", certFile,
    ],
    { stdio: "ignore", timeout: 10_000 },
  );
  return { certFile, keyFile, certPem: readFileSync(certFile, "utf8") };
}
