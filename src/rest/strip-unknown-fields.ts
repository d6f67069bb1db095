import type { DescMessage, JsonObject, JsonValue } from "@bufbuild/protobuf";
import { hasCustomJsonRepresentation } from "@bufbuild/protobuf/wkt";

/**
 * Drops the keys of a JSON request body that name no field of the message,
 * at every depth, and keeps everything else as it is. REST bodies may carry
 * fields this server does not know (ZITADEL's gateway ignores them too),
 * while a known field with a wrong value must still fail in `fromJson`;
 * its own `ignoreUnknownFields` would also turn unknown enum names into
 * the default silently, which this keeps an error.
 *
 * Keys in brackets (extensions) pass, and so do well-known types with a
 * JSON form of their own (Any, Struct, Value, Duration, ...).
 */
export function stripUnknownFields(
  message: DescMessage,
  json: JsonValue,
): JsonValue {
  if (
    json === null ||
    typeof json !== "object" ||
    Array.isArray(json) ||
    hasCustomJsonRepresentation(message)
  ) {
    return json;
  }
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    if (key.startsWith("[") && key.endsWith("]")) {
      kept[key] = value;
      continue;
    }
    const field = message.fields.find(
      (f) => f.jsonName === key || f.name === key,
    );
    if (field === undefined) {
      continue;
    }
    if (field.fieldKind === "message") {
      kept[key] = stripUnknownFields(field.message, value);
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      const inner = field.message;
      kept[key] = Array.isArray(value)
        ? value.map((item) => stripUnknownFields(inner, item))
        : value;
    } else if (field.fieldKind === "map" && field.mapKind === "message") {
      kept[key] = stripMapValues(field.message, value);
    } else {
      kept[key] = value;
    }
  }
  return kept;
}

function stripMapValues(message: DescMessage, json: JsonValue): JsonValue {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return json;
  }
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    kept[key] = stripUnknownFields(message, value);
  }
  return kept;
}
