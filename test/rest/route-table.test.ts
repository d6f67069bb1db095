import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  create,
  createFileRegistry,
  setExtension,
  type DescService,
} from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { createConnectRouter } from "@connectrpc/connect";
import { http } from "../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/google/api/http_pb.js";
import { PathTestService } from "../../gen/actionsd/testing/v1/path_test_service_pb.js";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { createRouteTable } from "../../src/rest/route-table.js";

function handlersOf(service: DescService) {
  const router = createConnectRouter();
  router.service(service, {});
  return router.handlers;
}

// A one-method service whose GET rule is `path`, built at run time so a
// test can hand the table a rule that no checked-in proto has.
function serviceWithRule(path: string, body = ""): DescService {
  const options = create(MethodOptionsSchema);
  setExtension(
    options,
    http,
    create(HttpRuleSchema, { pattern: { case: "get", value: path }, body }),
  );
  const file = create(FileDescriptorProtoSchema, {
    name: "bad/v1/bad.proto",
    package: "bad.v1",
    syntax: "proto3",
    messageType: [
      {
        name: "Req",
        field: [
          {
            name: "id",
            jsonName: "id",
            number: 1,
            type: FieldDescriptorProto_Type.STRING,
            label: FieldDescriptorProto_Label.OPTIONAL,
          },
          {
            name: "ids",
            jsonName: "ids",
            number: 2,
            type: FieldDescriptorProto_Type.STRING,
            label: FieldDescriptorProto_Label.REPEATED,
          },
        ],
      },
    ],
    service: [
      {
        name: "BadService",
        method: [
          {
            name: "Get",
            inputType: ".bad.v1.Req",
            outputType: ".bad.v1.Req",
            options,
          },
        ],
      },
    ],
  });
  const service = createFileRegistry(file, () => undefined).getService(
    "bad.v1.BadService",
  );
  assert.ok(service);
  return service;
}

describe("createRouteTable()", () => {
  it("builds one route per binding of every unary method with a rule", () => {
    const table = createRouteTable(handlersOf(PathTestService));
    const names = table.routes.map(
      (r) => `${r.httpMethod} ${r.template.source} ${r.handler.method.name}`,
    );
    // Echo has 6 bindings, GetFile 2, four others 1; Hidden has no rule and
    // Watch streams.
    assert.equal(names.length, 12);
    assert.ok(!names.some((n) => n.endsWith("Hidden") || n.endsWith("Watch")));
  });

  it("reads the success code from the zitadel option, 200 by default", () => {
    const table = createRouteTable(handlersOf(PathTestService));
    for (const route of table.routes) {
      const expected = route.handler.method.name === "CreateItem" ? 201 : 200;
      assert.equal(route.successCode, expected, route.template.source);
    }
  });

  it("serves the eleven rules of the Action Service, 201 for CreateTarget", () => {
    const table = createRouteTable(handlersOf(ActionService));
    const rows = table.routes
      .map((r) => `${r.httpMethod} ${r.template.source} ${r.successCode}`)
      .sort();
    assert.deepEqual(rows, [
      "DELETE /v3alpha/executions 200",
      "DELETE /v3alpha/targets/{target_id} 200",
      "GET /v3alpha/executions/functions 200",
      "GET /v3alpha/executions/methods 200",
      "GET /v3alpha/executions/services 200",
      "GET /v3alpha/targets/{target_id} 200",
      "POST /v3alpha/executions/search 200",
      "POST /v3alpha/targets 201",
      "POST /v3alpha/targets/search 200",
      "PUT /v3alpha/executions 200",
      "PUT /v3alpha/targets/{target_id} 200",
    ]);
  });

  it("finds the route, the allowed methods, or nothing", () => {
    const table = createRouteTable(handlersOf(ActionService));
    const found = table.find("GET", "/v3alpha/targets/42");
    assert.ok(found && "route" in found);
    assert.equal(found.route.handler.method.name, "GetTargetByID");
    assert.deepEqual(found.values, ["42"]);
    // "search" is a literal for POST, a target id for GET.
    const search = table.find("POST", "/v3alpha/targets/search");
    assert.ok(search && "route" in search);
    assert.equal(search.route.handler.method.name, "ListTargets");
    assert.deepEqual(table.find("PATCH", "/v3alpha/targets/42"), {
      allowed: ["DELETE", "GET", "PUT"],
    });
    assert.equal(table.find("GET", "/v3alpha/nothing"), undefined);
  });

  const badRules: [string, string, string][] = [
    ["a variable naming no field", "/v1/{missing}", ""],
    ["a variable bound to a repeated field", "/v1/{ids}", ""],
    ["a body naming no field", "/v1/{id}", "missing"],
    ["a template that breaks the grammar", "/v1/{id", ""],
  ];
  for (const [why, path, body] of badRules) {
    it(`throws at start for ${why}`, () => {
      const handlers = handlersOf(serviceWithRule(path, body));
      assert.throws(() => createRouteTable(handlers), /bad\.v1|template/);
    });
  }

  it("accepts the same synthetic service with a good rule", () => {
    const table = createRouteTable(handlersOf(serviceWithRule("/v1/{id}")));
    assert.equal(table.routes.length, 1);
  });
});
