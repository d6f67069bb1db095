import type { JsonValue } from "@bufbuild/protobuf";
import type { Caller } from "../auth/caller.js";

/** What a request or response target is told about the call. */
export interface CallPayloadInput {
  /** "/pkg.Svc/Method". */
  readonly fullMethod: string;
  readonly caller: Caller;
  /** The request as it stands, as canonical protobuf JSON. */
  readonly request: JsonValue;
  /** The response, for response conditions only. */
  readonly response?: JsonValue;
  /** The incoming headers; authorization and cookies are left out. */
  readonly headers?: Headers;
}

/**
 * Builds the JSON body of API.md section 8 for a request or response
 * target: `fullMethod`, `instanceID`, `orgID`, `projectID`, `userID`,
 * `request`, `response` and `headers` (`{name: [values]}`), with empty
 * values left out.
 */
export function callPayload(input: CallPayloadInput): string {
  const body: Record<string, unknown> = {
    fullMethod: input.fullMethod,
    ...callerFields(input.caller),
    request: input.request,
  };
  if (input.response !== undefined) {
    body.response = input.response;
  }
  if (input.headers !== undefined) {
    const headers = headerFields(input.headers);
    if (Object.keys(headers).length > 0) {
      body.headers = headers;
    }
  }
  return JSON.stringify(dropEmpty(body));
}

/** What a function target is told. */
export interface FunctionPayloadInput {
  readonly name: string;
  readonly caller: Caller;
  readonly payload: JsonValue;
}

/**
 * Builds the JSON body for a function target: `function` (the name),
 * `instanceID`, `orgID`, `projectID`, `userID` of the caller, and
 * `payload` as it stands; empty values left out. A call target answers
 * the new payload itself, not this envelope.
 */
export function functionPayload(input: FunctionPayloadInput): string {
  return JSON.stringify(
    dropEmpty({
      function: input.name,
      ...callerFields(input.caller),
      payload: input.payload,
    }),
  );
}

/** Headers that never leave the process: credentials. */
const secretHeaders = new Set(["authorization", "cookie", "set-cookie"]);

// Limitation: `Headers` joins repeated headers with ", ", so a header sent
// twice arrives as one list entry holding both values.
function headerFields(headers: Headers): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    if (!secretHeaders.has(name)) {
      fields[name] = [value];
    }
  });
  return fields;
}

function callerFields(caller: Caller): Record<string, string> {
  return {
    instanceID: caller.instanceId,
    orgID: caller.orgId,
    projectID: caller.projectId,
    userID: caller.userId,
  };
}

function dropEmpty(body: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null || value === "") {
      continue;
    }
    kept[name] = value;
  }
  return kept;
}
