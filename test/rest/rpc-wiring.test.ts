import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Interceptor } from "@connectrpc/connect";
import { PathTestService } from "../../gen/actionsd/testing/v1/path_test_service_pb.js";
import { requestHostKey } from "../../src/auth/caller.js";
import { createRestHandler } from "../../src/rest/rest-handler.js";
import { createRpcHandler } from "../../src/server/rpc-handler.js";

// The REST handler plugged into the server's RPC handler exactly as the
// wiring does, so the two agree on types and on context values.
describe("createRestHandler() as the fallback of createRpcHandler()", {
  timeout: 10_000,
}, () => {
  const hosts: string[] = [];
  let server: http.Server;
  let baseUrl = "";
  before(async () => {
    const recordHost: Interceptor = (next) => (req) => {
      hosts.push(req.contextValues.get(requestHostKey));
      return next(req);
    };
    const rpc = createRpcHandler({
      routes: (router) =>
        router.service(PathTestService, { getBook: ({ name }) => ({ name }) }),
      interceptors: [recordHost],
      fallback: (api) =>
        createRestHandler({
          handlers: api.handlers,
          contextValues: api.contextValues,
        }),
    });
    server = http.createServer(rpc.handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("serves REST with the server's context values (the request host)", async () => {
    const response = await fetch(`${baseUrl}/v1/shelves/1/books/2`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { name: "shelves/1/books/2" });
    assert.deepEqual(hosts, [new URL(baseUrl).host]);
  });
});
