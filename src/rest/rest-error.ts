import {
  create,
  fromBinary,
  toJson,
  type JsonObject,
  type JsonValue,
  type Registry,
} from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { hasCustomJsonRepresentation } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { httpStatusFromCode } from "./http-status.js";

const typeUrlPrefix = "type.googleapis.com/";

/**
 * The `google.rpc.Status` JSON of an error, as REST callers get it:
 * `{"code": 5, "message": "...", "details": [{"@type":
 * "type.googleapis.com/zitadel.v1.ErrorDetail", "id": "...", "message":
 * "..."}]}`. Details whose type the registry knows are written as `Any`
 * JSON; others as `{"@type": ..., "value": <base64>}`. All three members
 * are always present.
 */
export function errorToStatusJson(
  error: ConnectError,
  registry: Registry,
): JsonObject {
  const details: JsonValue[] = [];
  for (const detail of error.details) {
    if ("desc" in detail) {
      details.push({
        "@type": typeUrlPrefix + detail.desc.typeName,
        ...asObject(
          toJson(detail.desc, create(detail.desc, detail.value), { registry }),
          hasCustomJsonRepresentation(detail.desc),
        ),
      });
      continue;
    }
    details.push(incomingDetailJson(detail.type, detail.value, registry));
  }
  return { code: error.code, message: error.rawMessage, details };
}

/**
 * A complete REST error answer: the status JSON of `errorToStatusJson`,
 * the HTTP status for the code (see http-status.ts), and
 * `WWW-Authenticate: Bearer` on 401. `header` carries headers the answer
 * must also have (Allow on 405, the request id).
 */
export function restErrorResponse(
  error: ConnectError,
  registry: Registry,
  header = new Headers(),
): UniversalServerResponse {
  const status = httpStatusFromCode(error.code);
  header.set("content-type", "application/json");
  if (error.code === Code.Unauthenticated) {
    header.set("www-authenticate", "Bearer");
  }
  const body = new TextEncoder().encode(
    JSON.stringify(errorToStatusJson(error, registry)),
  );
  header.set("content-length", String(body.byteLength));
  return { status, header, body: oneChunk(body) };
}

/** An async iterable of one chunk, as a universal response body. */
export async function* oneChunk(
  bytes: Uint8Array,
): AsyncGenerator<Uint8Array> {
  yield bytes;
}

function incomingDetailJson(
  type: string,
  value: Uint8Array,
  registry: Registry,
): JsonObject {
  const desc = registry.getMessage(type);
  if (desc !== undefined) {
    try {
      const json = toJson(desc, fromBinary(desc, value), { registry });
      return {
        "@type": typeUrlPrefix + type,
        ...asObject(json, hasCustomJsonRepresentation(desc)),
      };
    } catch {
      // Undecodable bytes fall through to the opaque form below.
    }
  }
  return { "@type": typeUrlPrefix + type, value: base64Encode(value) };
}

// Any JSON inlines a message's fields, but wraps the JSON of well-known
// types that have their own form (a Duration is a string) in "value".
function asObject(json: JsonValue, isCustom: boolean): JsonObject {
  if (
    isCustom ||
    json === null ||
    typeof json !== "object" ||
    Array.isArray(json)
  ) {
    return { value: json };
  }
  return json;
}
