import { Code, ConnectError } from "@connectrpc/connect";

/** One segment of a path template. */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly value: string }
  /** `*`: exactly one non-empty segment. */
  | { readonly kind: "wildcard" }
  /** `**`: zero or more segments; only as the last segment. */
  | { readonly kind: "deepWildcard" };

/** A `{field.path=...}` variable: the segments it covers. */
export interface TemplateVariable {
  /** The field path split at dots: `{a.b}` is `["a", "b"]`. */
  readonly fieldPath: readonly string[];
  /** Index of the first segment the variable covers. */
  readonly start: number;
  /** Index after the last segment it covers. */
  readonly end: number;
}

/** A parsed `google.api.HttpRule` path template. */
export interface PathTemplate {
  /** The template as written in the rule. */
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  readonly variables: readonly TemplateVariable[];
  /** The `:verb` suffix without the colon, or undefined. */
  readonly verb: string | undefined;
}

/** The text a request path gave one variable. */
export interface PathBinding {
  readonly fieldPath: readonly string[];
  readonly value: string;
}

const identifierPath = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// Unreserved and sub-delim characters, ':' and '@' (RFC 3986 pchar), and
// '%' for percent-encoded octets.
const literalText = /^[A-Za-z0-9\-._~!$&'()+,;=:@%]+$/;

/**
 * Parses a path template of the HttpRule grammar:
 *
 *     Template = "/" Segments [ ":" Verb ]
 *     Segment  = "*" | "**" | LITERAL | "{" FieldPath [ "=" Segments ] "}"
 *
 * `{field}` is short for `{field=*}`. Throws an Error naming the template
 * when it breaks the grammar, when `**` is not the last segment, or when
 * two variables bind the same field; descriptors are ours, so the server
 * fails at start instead of serving a half-built route table.
 */
export function parsePathTemplate(source: string): PathTemplate {
  const fail = (why: string): never => {
    throw new Error(`invalid path template "${source}": ${why}`);
  };
  if (!source.startsWith("/")) {
    fail("must start with /");
  }
  const { path, verb } = splitVerb(source.slice(1), fail);
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  for (const part of splitOutsideBraces(path, fail)) {
    if (!part.startsWith("{")) {
      segments.push(parseSegment(part, fail));
      continue;
    }
    if (!part.endsWith("}")) {
      fail(`unterminated variable "${part}"`);
    }
    const inner = part.slice(1, -1);
    const equals = inner.indexOf("=");
    const name = equals < 0 ? inner : inner.slice(0, equals);
    const pattern = equals < 0 ? "*" : inner.slice(equals + 1);
    if (!identifierPath.test(name)) {
      fail(`bad field path "${name}"`);
    }
    if (pattern === "" || pattern.includes("{")) {
      fail(`bad variable pattern "${part}"`);
    }
    const start = segments.length;
    for (const sub of pattern.split("/")) {
      segments.push(parseSegment(sub, fail));
    }
    variables.push({ fieldPath: name.split("."), start, end: segments.length });
  }
  const deep = segments.findIndex((s) => s.kind === "deepWildcard");
  if (deep >= 0 && deep !== segments.length - 1) {
    fail("** must be the last segment");
  }
  const names = variables.map((v) => v.fieldPath.join("."));
  if (new Set(names).size !== names.length) {
    fail("a field is bound twice");
  }
  return { source, segments, variables, verb };
}

/**
 * Matches a request path (raw, as sent, without the query) against a
 * template. Answers the variable bindings in template order, or undefined
 * when the path does not match. A variable of one segment is fully
 * percent-decoded (`%2F` becomes a `/` inside the value); a variable of
 * several segments or `**` keeps its slashes and leaves `%2F` encoded, as
 * the HttpRule rules say. Throws ConnectError InvalidArgument for a bound
 * segment that is not valid percent-encoding.
 */
export function matchPathTemplate(
  template: PathTemplate,
  rawPath: string,
): PathBinding[] | undefined {
  let path = rawPath;
  if (template.verb !== undefined) {
    const suffix = `:${template.verb}`;
    if (!path.endsWith(suffix)) {
      return undefined;
    }
    path = path.slice(0, -suffix.length);
  }
  if (!path.startsWith("/")) {
    return undefined;
  }
  const parts = path.slice(1).split("/");
  const { segments } = template;
  const isDeep = segments.at(-1)?.kind === "deepWildcard";
  const fixed = isDeep ? segments.length - 1 : segments.length;
  if (isDeep ? parts.length < fixed : parts.length !== fixed) {
    return undefined;
  }
  for (let i = 0; i < fixed; i++) {
    const segment = segments[i];
    const part = parts[i];
    if (segment.kind === "wildcard" && part === "") {
      return undefined;
    }
    if (
      segment.kind === "literal" &&
      part !== segment.value &&
      safeDecode(part) !== segment.value
    ) {
      return undefined;
    }
  }
  return template.variables.map((variable) => {
    const isSingle =
      variable.end - variable.start === 1 &&
      segments[variable.start].kind !== "deepWildcard";
    const end = variable.end === segments.length ? parts.length : variable.end;
    const raw = parts.slice(variable.start, end).join("/");
    const value = isSingle
      ? decodeOrThrow(raw)
      : decodeOrThrow(raw.replace(/%2F/gi, "%252F"));
    return { fieldPath: variable.fieldPath, value };
  });
}

/**
 * Orders templates from most to least specific, for when several match one
 * path: a template with a verb first, then segment by segment a literal
 * before `*` before the end of the template before `**`. Equal templates
 * compare 0.
 */
export function comparePathTemplates(a: PathTemplate, b: PathTemplate): number {
  if ((a.verb === undefined) !== (b.verb === undefined)) {
    return a.verb === undefined ? 1 : -1;
  }
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const difference = rank(a.segments[i]) - rank(b.segments[i]);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

// A template that ends where another has `**` matches only the shorter
// path exactly, so the end ranks before `**`.
function rank(segment: TemplateSegment | undefined): number {
  switch (segment?.kind) {
    case "literal":
      return 0;
    case "wildcard":
      return 1;
    case undefined:
      return 2;
    case "deepWildcard":
      return 3;
  }
}

// The verb is a ':' outside braces in the last segment.
function splitVerb(
  text: string,
  fail: (why: string) => never,
): { path: string; verb: string | undefined } {
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      depth++;
    } else if (c === "}") {
      depth--;
    } else if (depth === 0 && c === "/") {
      colon = -1;
    } else if (depth === 0 && c === ":" && colon < 0) {
      colon = i;
    }
  }
  if (colon < 0) {
    return { path: text, verb: undefined };
  }
  const verb = text.slice(colon + 1);
  if (!literalText.test(verb) || verb.includes(":")) {
    fail(`bad verb "${verb}"`);
  }
  return { path: text.slice(0, colon), verb };
}

function splitOutsideBraces(
  text: string,
  fail: (why: string) => never,
): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      depth++;
      if (depth > 1) {
        fail("variables cannot nest");
      }
    } else if (c === "}") {
      depth--;
      if (depth < 0) {
        fail("unbalanced }");
      }
    } else if (c === "/" && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) {
    fail("unbalanced {");
  }
  parts.push(text.slice(start));
  return parts;
}

function parseSegment(
  text: string,
  fail: (why: string) => never,
): TemplateSegment {
  if (text === "*") {
    return { kind: "wildcard" };
  }
  if (text === "**") {
    return { kind: "deepWildcard" };
  }
  if (!literalText.test(text)) {
    fail(`bad segment "${text}"`);
  }
  return { kind: "literal", value: text };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function decodeOrThrow(text: string): string {
  const decoded = safeDecode(text);
  if (decoded === undefined) {
    throw new ConnectError(
      `malformed percent-encoding in path "${text}"`,
      Code.InvalidArgument,
    );
  }
  return decoded;
}
