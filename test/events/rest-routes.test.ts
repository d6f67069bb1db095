import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getOption } from "@bufbuild/protobuf";
import { createConnectRouter } from "@connectrpc/connect";
import { DeliveryService } from "../../gen/actionsd/delivery/v1/delivery_service_pb.js";
import { RuntimeService } from "../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import { options } from "../../gen/zitadel/protoc_gen_zitadel/v2/options_pb.js";
import { createRouteTable } from "../../src/rest/route-table.js";

describe("event and delivery routes", () => {
  const router = createConnectRouter();
  router.service(DeliveryService, {});
  router.service(RuntimeService, {});
  const table = createRouteTable(router.handlers);

  const cases: Array<[string, string, string, string[]]> = [
    ["POST", "/v1/events", "PushEvents", []],
    ["POST", "/v1/deliveries/search", "ListDeliveries", []],
    ["GET", "/v1/deliveries/42", "GetDelivery", ["42"]],
    ["POST", "/v1/deliveries/42:retry", "RetryDelivery", ["42"]],
  ];
  for (const [verb, path, method, values] of cases) {
    it(`routes ${verb} ${path} to ${method}`, () => {
      const match = table.find(verb, path);
      assert.ok(match !== undefined && "route" in match);
      assert.equal(match.route.handler.method.name, method);
      assert.deepEqual(match.values, values);
    });
  }

  const permissions: Array<[string, string]> = [
    ["PushEvents", "execution.event.push"],
    ["ListDeliveries", "execution.read"],
    ["GetDelivery", "execution.read"],
    ["RetryDelivery", "execution.write"],
  ];
  for (const [name, permission] of permissions) {
    it(`requires ${permission} for ${name}`, () => {
      const method = [...DeliveryService.methods, ...RuntimeService.methods].find(
        (m) => m.name === name,
      )!;
      assert.equal(getOption(method, options).authOption?.permission, permission);
    });
  }
});
