import type {
  DescField,
  DescMessage,
  JsonObject,
  JsonValue,
} from "@bufbuild/protobuf";

/**
 * Resolves a dotted field path (`["nested", "inner", "label"]`) from a
 * message, each name given as the proto name or the JSON name. Every field
 * but the last must be a singular message field. Answers the fields along
 * the path, or undefined when a name does not resolve.
 */
export function resolveFieldPath(
  message: DescMessage,
  path: readonly string[],
): DescField[] | undefined {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    if (current === undefined) {
      return undefined;
    }
    const field: DescField | undefined = current.fields.find(
      (f) => f.name === name || f.jsonName === name,
    );
    if (field === undefined) {
      return undefined;
    }
    fields.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

/**
 * Wraps a JSON value in one object per field of the path, so that
 * `mergeFromJson` sets exactly that field: `[a, b]` and 1 give
 * `{"a": {"b": 1}}` (JSON names).
 */
export function nestUnderFieldPath(
  fields: readonly DescField[],
  value: JsonValue,
): JsonObject {
  let json: JsonValue = value;
  for (let i = fields.length - 1; i >= 0; i--) {
    json = { [fields[i].jsonName]: json };
  }
  return json as JsonObject;
}

/** The field path in the dotted proto-name form, for messages. */
export function formatFieldPath(fields: readonly DescField[]): string {
  return fields.map((f) => f.name).join(".");
}
