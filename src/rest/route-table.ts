import { getOption, hasOption, type DescField } from "@bufbuild/protobuf";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import {
  options as zitadelOptions,
} from "../../gen/zitadel/protoc_gen_zitadel/v2/options_pb.js";
import { resolveFieldPath } from "./field-path.js";
import {
  comparePathTemplates,
  matchPathTemplate,
  parsePathTemplate,
  type PathTemplate,
} from "./path-template.js";
import { isTextField } from "./text-value.js";

/** Where a rule takes the request message from the HTTP body. */
export type RouteBody =
  /** No body: path and query parameters only. */
  | { readonly kind: "none" }
  /** `body: "*"`: the body is the message; no query parameters. */
  | { readonly kind: "message" }
  /** `body: "field"`: the body is that top-level field. */
  | { readonly kind: "field"; readonly field: DescField };

/** One HTTP binding of one RPC. */
export interface RestRoute {
  /** The router's handler of the RPC; every call runs through it. */
  readonly handler: UniversalHandler;
  /** Upper case: GET, PUT, POST, DELETE, PATCH or a custom kind. */
  readonly httpMethod: string;
  readonly template: PathTemplate;
  /** The fields of each template variable, in template order. */
  readonly pathFields: readonly (readonly DescField[])[];
  readonly body: RouteBody;
  /** The response field answered instead of the whole response. */
  readonly responseField: DescField | undefined;
  /** 200, or the method's zitadel `http_response.success_code`. */
  readonly successCode: number;
}

/** A route that matched, with the text of each path variable. */
export interface RouteMatch {
  readonly route: RestRoute;
  readonly values: readonly string[];
}

/** The REST routes of a router, most specific first. */
export interface RouteTable {
  readonly routes: readonly RestRoute[];
  /**
   * Finds the route for a request. Answers the match; or the HTTP methods
   * the path has routes for, when none is for this method (for 405); or
   * undefined when no route matches the path (404). Throws ConnectError
   * InvalidArgument for a malformed percent-encoding in a variable.
   */
  find(
    httpMethod: string,
    rawPath: string,
  ): RouteMatch | { readonly allowed: readonly string[] } | undefined;
}

/**
 * Builds the route table from the `google.api.http` option of every unary
 * method among the handlers, additional bindings included; methods without
 * the option, and streaming methods, get no route. Nothing is listed by
 * hand, so a service added to the router gets its REST routes from its
 * descriptors. Throws an Error at start for a rule this layer cannot serve:
 * a bad template, a variable or body or response_body naming no field, a
 * variable bound to a repeated or message field.
 */
export function createRouteTable(
  handlers: readonly UniversalHandler[],
): RouteTable {
  const routes: RestRoute[] = [];
  for (const handler of handlers) {
    const method = handler.method;
    if (method.methodKind !== "unary" || !hasOption(method, http)) {
      continue;
    }
    const rule = getOption(method, http);
    const successCode = hasOption(method, zitadelOptions)
      ? getOption(method, zitadelOptions).httpResponse?.successCode || 200
      : 200;
    for (const binding of [rule, ...rule.additionalBindings]) {
      routes.push(createRoute(handler, binding, successCode));
    }
  }
  // Stable: among equally specific templates the declaration order wins.
  routes.sort((a, b) => comparePathTemplates(a.template, b.template));
  return {
    routes,
    find(httpMethod, rawPath) {
      const allowed = new Set<string>();
      for (const route of routes) {
        const bindings = matchPathTemplate(route.template, rawPath);
        if (bindings === undefined) {
          continue;
        }
        if (route.httpMethod === httpMethod) {
          return { route, values: bindings.map((b) => b.value) };
        }
        allowed.add(route.httpMethod);
      }
      return allowed.size > 0 ? { allowed: [...allowed].sort() } : undefined;
    },
  };
}

function createRoute(
  handler: UniversalHandler,
  rule: HttpRule,
  successCode: number,
): RestRoute {
  const method = handler.method;
  const where = `${method.parent.typeName}.${method.name}`;
  const fail = (why: string): never => {
    throw new Error(`google.api.http rule of ${where}: ${why}`);
  };
  let httpMethod: string;
  let path: string;
  switch (rule.pattern.case) {
    case "custom":
      httpMethod = rule.pattern.value.kind.toUpperCase();
      path = rule.pattern.value.path;
      break;
    case undefined:
      return fail("no pattern");
    default:
      httpMethod = rule.pattern.case.toUpperCase();
      path = rule.pattern.value;
  }
  const template = parsePathTemplate(path);
  const pathFields = template.variables.map((variable) => {
    const fields = resolveFieldPath(method.input, variable.fieldPath);
    const leaf = fields?.at(-1);
    if (fields === undefined || leaf === undefined) {
      return fail(`no field "${variable.fieldPath.join(".")}"`);
    }
    if (leaf.fieldKind === "list" || !isTextField(leaf)) {
      fail(`field "${leaf.name}" cannot be a path variable`);
    }
    return fields;
  });
  let body: RouteBody = { kind: "none" };
  if (rule.body === "*") {
    body = { kind: "message" };
  } else if (rule.body !== "") {
    const field = resolveFieldPath(method.input, [rule.body])?.[0];
    body = field
      ? { kind: "field", field }
      : fail(`no body field "${rule.body}"`);
  }
  let responseField: DescField | undefined;
  if (rule.responseBody !== "") {
    responseField =
      resolveFieldPath(method.output, [rule.responseBody])?.[0] ??
      fail(`no response_body field "${rule.responseBody}"`);
  }
  return {
    handler,
    httpMethod,
    template,
    pathFields,
    body,
    responseField,
    successCode,
  };
}
