import {
  create,
  fromJson,
  mergeFromJson,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  formatFieldPath,
  nestUnderFieldPath,
  resolveFieldPath,
} from "./field-path.js";
import type { RestRoute, RouteMatch } from "./route-table.js";
import { stripUnknownFields } from "./strip-unknown-fields.js";
import { isTextField, textToJson } from "./text-value.js";

/** The parts of a REST request that make up the request message. */
export interface RestRequestInput {
  readonly query: URLSearchParams;
  /** The raw body; empty when there was none. */
  readonly body: Uint8Array;
}

/**
 * Builds the request message of a matched route, as the HttpRule says:
 * first the body (`*`: the whole message; a field name: that field; an
 * empty body counts as `{}`), then query parameters (only for rules whose
 * body is not `*`: dotted names for nested fields, repeated parameters for
 * repeated fields), then path variables, so the path wins where it binds a
 * field the body also set. Unknown keys in the body are ignored.
 *
 * Throws ConnectError InvalidArgument for: a body where the rule takes
 * none; a body that is not UTF-8 JSON or does not fit the message; an
 * unknown query parameter, one naming a field bound by the path or the
 * body, a map or message field, or a singular field given twice, or two
 * members of one oneof; and a path or query value of the wrong type.
 *
 * Limitation: map fields cannot be set from query parameters (no
 * `name[key]=value` syntax); they can only come in a body.
 */
export function buildRequestMessage(
  match: RouteMatch,
  input: RestRequestInput,
): Message {
  const { route } = match;
  const schema = route.handler.method.input;
  const message = readBody(schema, route, input.body);
  if (route.body.kind === "message") {
    const first = input.query.keys().next();
    if (first.done !== true) {
      throw invalid(
        `query parameter "${first.value}" not allowed: the body is the request`,
      );
    }
  } else {
    readQuery(schema, message, match, input.query);
  }
  route.pathFields.forEach((fields, i) => {
    const leaf = fields[fields.length - 1];
    const name = formatFieldPath(fields);
    merge(schema, message, fields, textToJson(leaf, [match.values[i]]), () =>
      `invalid value for path field "${name}"`,
    );
  });
  return message;
}

function readBody(
  schema: DescMessage,
  route: RestRoute,
  bytes: Uint8Array,
): Message {
  const { body } = route;
  if (body.kind === "none") {
    if (bytes.byteLength > 0) {
      throw invalid(
        `${route.httpMethod} ${route.template.source} takes no request body`,
      );
    }
    return create(schema);
  }
  const json = parseJson(bytes);
  if (body.kind === "message") {
    try {
      return fromJson(schema, stripUnknownFields(schema, json ?? {}));
    } catch (e) {
      throw invalid(`invalid request body: ${errorText(e)}`);
    }
  }
  const message = create(schema);
  if (json !== undefined) {
    const wrapped = stripUnknownFields(schema, { [body.field.jsonName]: json });
    try {
      mergeFromJson(schema, message, wrapped);
    } catch (e) {
      throw invalid(`invalid request body: ${errorText(e)}`);
    }
  }
  return message;
}

function readQuery(
  schema: DescMessage,
  message: Message,
  match: RouteMatch,
  query: URLSearchParams,
): void {
  const { route } = match;
  const bound = new Set(route.pathFields.map((f) => formatFieldPath(f)));
  const bodyField = route.body.kind === "field" ? route.body.field : undefined;
  const oneofs = new Map<string, string>();
  for (const name of new Set(query.keys())) {
    const fields = resolveFieldPath(schema, name.split("."));
    const leaf = fields?.at(-1);
    if (fields === undefined || leaf === undefined) {
      throw invalid(`unknown query parameter "${name}"`);
    }
    const path = formatFieldPath(fields);
    if (bound.has(path) || fields[0] === bodyField) {
      throw invalid(`query parameter "${name}" is bound by the path or body`);
    }
    if (!isTextField(leaf)) {
      throw invalid(`query parameter "${name}" names a message or map field`);
    }
    const texts = query.getAll(name);
    if (leaf.fieldKind !== "list" && texts.length > 1) {
      throw invalid(`query parameter "${name}" given more than once`);
    }
    if (leaf.oneof !== undefined) {
      const key = `${formatFieldPath(fields.slice(0, -1))}/${leaf.oneof.name}`;
      const other = oneofs.get(key);
      if (other !== undefined) {
        throw invalid(`query parameters "${other}" and "${name}" share a oneof`);
      }
      oneofs.set(key, name);
    }
    merge(schema, message, fields, textToJson(leaf, texts), () =>
      `invalid value for query parameter "${name}"`,
    );
  }
}

function merge(
  schema: DescMessage,
  message: Message,
  fields: readonly DescField[],
  value: JsonValue | undefined,
  describe: () => string,
): void {
  if (value === undefined) {
    throw invalid(describe());
  }
  try {
    mergeFromJson(schema, message, nestUnderFieldPath(fields, value));
  } catch (e) {
    throw invalid(`${describe()}: ${errorText(e)}`);
  }
}

// Answers undefined for an empty (or all-whitespace) body.
function parseJson(bytes: Uint8Array): JsonValue | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("request body is not UTF-8");
  }
  if (text.trim() === "") {
    return undefined;
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw invalid(`request body is not JSON: ${errorText(e)}`);
  }
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
