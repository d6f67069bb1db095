// What one benchmark call sends, independent of the load generator, and a
// single send of it to check the answer before a case is measured.
import * as http from "node:http";
import * as http2 from "node:http2";

/** One HTTP request of a case. */
export interface RequestSpec {
  readonly method: "GET" | "POST" | "PUT";
  /** Path and query, e.g. "/zitadel.action.v3alpha.ActionService/M". */
  readonly path: string;
  /** Lower-case names; no pseudo headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** What `sendOnce` got back. */
export interface SentOnce {
  readonly status: number;
  /** The grpc-status trailer (or header), when there is one. */
  readonly grpcStatus: string | undefined;
  readonly body: Buffer;
}

/** Prefixes a message with the 5-byte gRPC frame header (uncompressed). */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/**
 * Sends `spec` once to `baseUrl` ("http://127.0.0.1:<port>") over HTTP/2
 * (prior knowledge) or HTTP/1.1, with a 10 s bound.
 */
export function sendOnce(
  baseUrl: string,
  spec: RequestSpec,
  version: "h1" | "h2",
): Promise<SentOnce> {
  return version === "h2" ? sendH2(baseUrl, spec) : sendH1(baseUrl, spec);
}

function sendH2(baseUrl: string, spec: RequestSpec): Promise<SentOnce> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no answer from ${baseUrl}${spec.path}`));
    }, 10_000);
    session.on("error", reject);
    const stream = session.request({
      ":method": spec.method,
      ":path": spec.path,
      ...spec.headers,
    });
    let status = 0;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
      grpcStatus = headerString(headers["grpc-status"]) ?? grpcStatus;
    });
    stream.on("trailers", (trailers) => {
      grpcStatus = headerString(trailers["grpc-status"]) ?? grpcStatus;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("end", () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, grpcStatus, body: Buffer.concat(chunks) });
    });
    stream.end(spec.body);
  });
}

function sendH1(baseUrl: string, spec: RequestSpec): Promise<SentOnce> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${spec.path}`,
      { method: spec.method, headers: spec.headers, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            grpcStatus:
              headerString(res.headers["grpc-status"]) ?? grpcWebStatus(body),
            body,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(spec.body);
  });
}

function headerString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// gRPC-web sends its trailers as a last frame with flag 0x80 in the body.
function grpcWebStatus(body: Buffer): string | undefined {
  let at = 0;
  while (at + 5 <= body.length) {
    const flags = body[at]!;
    const length = body.readUInt32BE(at + 1);
    const payload = body.subarray(at + 5, at + 5 + length);
    if ((flags & 0x80) !== 0) {
      return /grpc-status:\s*(\d+)/i.exec(payload.toString())?.[1];
    }
    at += 5 + length;
  }
  return undefined;
}
