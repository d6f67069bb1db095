import {
  ScalarType,
  type DescField,
  type DescMessage,
  type JsonValue,
} from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

// Messages whose canonical JSON is a string, so a path or query value can
// hold one as it is.
const stringJsonMessages = new Set([
  "google.protobuf.Duration",
  "google.protobuf.Timestamp",
  "google.protobuf.FieldMask",
]);

/**
 * Whether a field can take its value from URL text (a path variable or a
 * query parameter): scalars, enums, Duration, Timestamp, FieldMask and the
 * wrapper types, singular or repeated. Maps and other messages cannot.
 */
export function isTextField(field: DescField): boolean {
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
      return true;
    case "message":
      return isTextMessage(field.message);
    case "list":
      return field.listKind !== "message" || isTextMessage(field.message);
    case "map":
      return false;
  }
}

/**
 * Converts URL text to the canonical JSON of the field, for `fromJson` to
 * check and read: bool from "true"/"false" (also "1"/"0"), enums by name or
 * number, numbers and 64-bit integers as decimal strings, bytes as base64,
 * Duration ("10s"), Timestamp (RFC 3339), and wrappers by their inner type.
 * A repeated field takes every text, a singular one the last. Answers
 * undefined when the text cannot be that field's value (for bool only; the
 * other types are checked by `fromJson`).
 */
export function textToJson(
  field: DescField,
  texts: readonly string[],
): JsonValue | undefined {
  const item = itemOf(field);
  if (item === undefined) {
    return undefined;
  }
  if (field.fieldKind !== "list") {
    return itemToJson(item, texts[texts.length - 1] ?? "");
  }
  const values: JsonValue[] = [];
  for (const text of texts) {
    const value = itemToJson(item, text);
    if (value === undefined) {
      return undefined;
    }
    values.push(value);
  }
  return values;
}

// What one value of a field is, singular or an element of a list.
type Item =
  | { readonly kind: "scalar"; readonly scalar: ScalarType }
  | { readonly kind: "enum" }
  | { readonly kind: "message"; readonly message: DescMessage };

function itemOf(field: DescField): Item | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return { kind: "scalar", scalar: field.scalar };
    case "enum":
      return { kind: "enum" };
    case "message":
      return { kind: "message", message: field.message };
    case "list":
      switch (field.listKind) {
        case "scalar":
          return { kind: "scalar", scalar: field.scalar };
        case "enum":
          return { kind: "enum" };
        case "message":
          return { kind: "message", message: field.message };
      }
      return undefined;
    case "map":
      return undefined;
  }
}

function isTextMessage(message: DescMessage): boolean {
  return stringJsonMessages.has(message.typeName) || isWrapperDesc(message);
}

function itemToJson(item: Item, text: string): JsonValue | undefined {
  switch (item.kind) {
    case "scalar":
      return scalarToJson(item.scalar, text);
    case "enum":
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case "message":
      // A wrapper's JSON is its inner value's; the other text messages
      // (Duration, Timestamp, FieldMask) are strings already.
      return isWrapperDesc(item.message)
        ? scalarToJson(item.message.fields[0].scalar ?? ScalarType.STRING, text)
        : text;
  }
}

function scalarToJson(scalar: ScalarType, text: string): JsonValue | undefined {
  if (scalar !== ScalarType.BOOL) {
    // Numbers stay strings: fromJson reads decimal strings for every
    // numeric type and keeps 64-bit values exact.
    return text;
  }
  switch (text.toLowerCase()) {
    case "true":
    case "1":
      return true;
    case "false":
    case "0":
      return false;
    default:
      return undefined;
  }
}
