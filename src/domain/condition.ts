/**
 * What an execution reacts to. `request` and `response` select a method
 * ("/pkg.Svc/M"), a service ("pkg.Svc") or all calls; `function` a named
 * function; `event` an event type, an event group or all events. `value` is
 * empty for the "all" scope.
 */
export interface Condition {
  readonly type: ConditionType;
  readonly scope: ConditionScope;
  readonly value: string;
}

/** The four kinds of execution. */
export type ConditionType = "request" | "response" | "function" | "event";

/** Which part of its kind a condition selects. */
export type ConditionScope =
  | "method"
  | "service"
  | "all"
  | "function"
  | "event"
  | "group";

/**
 * The condition as protobuf's canonical JSON spells it
 * (`{"request":{"method":"/pkg.Svc/M"}}`, `{"function":"name"}`), which is
 * how the store keeps it and how the command line shows it.
 */
export type ConditionJson =
  | { readonly request: ScopeJson }
  | { readonly response: ScopeJson }
  | { readonly function: string }
  | { readonly event: ScopeJson };

type ScopeJson = Readonly<Record<string, string | boolean>>;

const groupSuffix = ".*";

/**
 * Answers the stored id of the execution a condition names (API.md section
 * 3): "request/pkg.Svc/M", "request/pkg.Svc", "request", "function/N",
 * "event/E", "event/G.*" (no second ".*" when G already ends so), "event".
 */
export function executionIdOf(condition: Condition): string {
  const { type, scope, value } = condition;
  switch (scope) {
    case "all":
      return type;
    case "method":
      return `${type}/${value.startsWith("/") ? value.slice(1) : value}`;
    case "group":
      return value.endsWith(groupSuffix)
        ? `event/${value}`
        : `event/${value}${groupSuffix}`;
    default:
      return `${type}/${value}`;
  }
}

/**
 * Turns a stored execution id back into its condition, the inverse of
 * `executionIdOf`. Throws a TypeError for a string that is no execution id,
 * which only a corrupted database could hold.
 * Limitation: an event type that itself ends in ".*" reads back as the
 * group of the same id, because both name one execution.
 */
export function conditionOfExecutionId(id: string): Condition {
  const slash = id.indexOf("/");
  const type = slash < 0 ? id : id.slice(0, slash);
  const rest = slash < 0 ? "" : id.slice(slash + 1);
  switch (type) {
    case "request":
    case "response":
      if (slash < 0) {
        return { type, scope: "all", value: "" };
      }
      return rest.includes("/")
        ? { type, scope: "method", value: `/${rest}` }
        : { type, scope: "service", value: rest };
    case "event":
      if (slash < 0) {
        return { type, scope: "all", value: "" };
      }
      return rest.endsWith(groupSuffix)
        ? { type, scope: "group", value: rest.slice(0, -groupSuffix.length) }
        : { type, scope: "event", value: rest };
    case "function":
      if (slash >= 0) {
        return { type, scope: "function", value: rest };
      }
  }
  throw new TypeError(`not an execution id: ${JSON.stringify(id)}`);
}

/** Spells a condition as protobuf JSON (see ConditionJson). */
export function conditionToJson(condition: Condition): ConditionJson {
  const { type, scope, value } = condition;
  if (type === "function") {
    return { function: value };
  }
  const inner: ScopeJson = scope === "all" ? { all: true } : { [scope]: value };
  switch (type) {
    case "request":
      return { request: inner };
    case "response":
      return { response: inner };
    default:
      return { event: inner };
  }
}

/**
 * Reads a condition from protobuf JSON (see ConditionJson); answers
 * undefined when the JSON names no valid condition, so the command line can
 * report its own usage error.
 */
export function conditionFromJson(json: unknown): Condition | undefined {
  if (typeof json !== "object" || json === null) {
    return undefined;
  }
  const entries = Object.entries(json);
  if (entries.length !== 1) {
    return undefined;
  }
  const [type, inner] = entries[0]!;
  if (type === "function") {
    return typeof inner === "string" && inner !== ""
      ? { type, scope: "function", value: inner }
      : undefined;
  }
  if (type !== "request" && type !== "response" && type !== "event") {
    return undefined;
  }
  if (typeof inner !== "object" || inner === null) {
    return undefined;
  }
  const scopes = Object.entries(inner);
  if (scopes.length !== 1) {
    return undefined;
  }
  const [scope, value] = scopes[0]!;
  if (scope === "all") {
    return value === true ? { type, scope, value: "" } : undefined;
  }
  const allowed =
    type === "event" ? ["event", "group"] : ["method", "service"];
  if (!allowed.includes(scope) || typeof value !== "string" || value === "") {
    return undefined;
  }
  return { type, scope: scope as ConditionScope, value };
}

/**
 * The execution ids that may match an event type, most specific first:
 * "event/<type>", then each group from the longest ("event/a.b.*", then
 * "event/a.*"), then "event" (all).
 */
export function eventExecutionCandidates(eventType: string): string[] {
  const ids = [`event/${eventType}`];
  for (let dot = eventType.lastIndexOf("."); dot > 0; ) {
    ids.push(`event/${eventType.slice(0, dot)}.*`);
    dot = eventType.lastIndexOf(".", dot - 1);
  }
  ids.push("event");
  return ids;
}
