#!/usr/bin/env node
// A native gRPC client of actionsd with @grpc/grpc-js. It loads the .proto
// files themselves, not generated code, as a client in any language would.
//
//   node examples/grpc-client.mjs localhost:8080 "$(cat data/admin.token)"
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const [address = "localhost:8080", token = ""] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const definition = protoLoader.loadSync(
  "zitadel/action/v3alpha/action_service.proto",
  {
    includeDirs: [join(root, "proto"), join(root, "proto-vendor")],
    longs: String,
    oneofs: true,
  },
);
const { zitadel } = grpc.loadPackageDefinition(definition);
const client = new zitadel.action.v3alpha.ActionService(
  address,
  grpc.credentials.createInsecure(),
);
const metadata = new grpc.Metadata();
metadata.set("authorization", `Bearer ${token}`);

client.ListExecutionServices({}, metadata, (error, answer) => {
  client.close();
  if (error) {
    console.error(`${grpc.status[error.code]}: ${error.details}`);
    process.exitCode = 1;
    return;
  }
  console.log(answer.services.join("\n"));
});
