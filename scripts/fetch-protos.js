#!/usr/bin/env node
// Copies the third-party .proto files that our protos import, or that we
// serve (health, reflection), from npm packages into proto-vendor/. buf.yaml
// lists that folder as a second module, so generation never needs the Buf
// registry or any network.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "proto-vendor");

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

// Each entry: package, file inside the package, path below proto-vendor/.
const files = [
  ["google-proto-files", "google/api/annotations.proto", "google/api/annotations.proto"],
  ["google-proto-files", "google/api/http.proto", "google/api/http.proto"],
  ["google-proto-files", "google/rpc/status.proto", "google/rpc/status.proto"],
  ["grpc-health-check", "proto/health/v1/health.proto", "grpc/health/v1/health.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1/reflection.proto", "grpc/reflection/v1/reflection.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1alpha/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"],
];

rmSync(vendor, { recursive: true, force: true });
for (const [pkg, source, target] of files) {
  const destination = join(vendor, target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(join(packageDir(pkg), source), destination);
}
