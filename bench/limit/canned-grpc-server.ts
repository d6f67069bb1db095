// The limit of the benchmark: a bare node:http2 server that answers every
// gRPC call with a canned response, read once from a file. No routing, no
// decoding, no auth, no storage: what Node's HTTP/2 costs on this machine.
// Run: node <dist>/bench/limit/canned-grpc-server.js --responses <file>
// where the file is JSON {"/pkg.Svc/M": "<base64 gRPC frame>", ...}.
import { readFileSync } from "node:fs";
import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    responses: { type: "string" },
    port: { type: "string", default: "0" },
  },
});
const canned = new Map<string, Buffer>();
if (values.responses !== undefined) {
  const json = JSON.parse(readFileSync(values.responses, "utf8")) as Record<
    string,
    string
  >;
  for (const [path, frame] of Object.entries(json)) {
    canned.set(path, Buffer.from(frame, "base64"));
  }
}
// An empty message for paths the file does not name.
const empty = Buffer.alloc(5);
const responseHeaders = {
  ":status": 200,
  "content-type": "application/grpc+proto",
};
const trailers = { "grpc-status": "0" };

const server = createServer();
server.on("stream", (stream, headers) => {
  const frame = canned.get(String(headers[":path"])) ?? empty;
  // The request body is read and dropped, as any server has to.
  stream.on("data", () => {});
  stream.on("end", () => {
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end(frame);
  });
  stream.on("error", () => {});
});
server.on("sessionError", () => {});
server.listen(Number(values.port), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: "listening", port })}\n`);
});
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  // Open sessions would keep close waiting; the run is over anyway.
  setTimeout(() => process.exit(0), 500).unref();
});
