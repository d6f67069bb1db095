// Bundled by test/e2e/browser.test.ts with esbuild and run in headless
// Chromium on another origin than the server: it calls the Action Service
// over gRPC-web (binary and JSON) with connect-web and reports the outcome
// in window.actionsdResult.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";

/** What the page reports back to the test. */
export interface PageResult {
  readonly methods: number;
  readonly createdId: string;
  readonly gotName: string;
  readonly jsonMethods: number;
  readonly error?: string;
}

declare global {
  interface Window {
    actionsdResult?: PageResult;
  }
}

async function run(): Promise<PageResult> {
  const params = new URLSearchParams(location.hash.slice(1));
  const baseUrl = params.get("server") ?? "";
  const token = params.get("token") ?? "";
  const auth: Interceptor = (next) => (req) => {
    if (token !== "") {
      req.header.set("authorization", `Bearer ${token}`);
    }
    return next(req);
  };
  const binary = createClient(
    ActionService,
    createGrpcWebTransport({ baseUrl, interceptors: [auth] }),
  );
  const json = createClient(
    ActionService,
    createGrpcWebTransport({
      baseUrl,
      useBinaryFormat: false,
      interceptors: [auth],
    }),
  );
  const methods = await binary.listExecutionMethods({});
  const name = `browser-${Date.now()}`;
  const created = await binary.createTarget({
    name,
    targetType: { case: "restWebhook", value: {} },
    timeout: { seconds: 3n },
    endpoint: "https://example.com/browser",
  });
  const got = await json.getTargetByID({ targetId: created.id });
  const jsonMethods = await json.listExecutionMethods({});
  return {
    methods: methods.methods.length,
    createdId: created.id,
    gotName: got.target?.name === name ? name : `mismatch: ${got.target?.name}`,
    jsonMethods: jsonMethods.methods.length,
  };
}

run().then(
  (result) => {
    window.actionsdResult = result;
  },
  (error: unknown) => {
    window.actionsdResult = {
      methods: 0,
      createdId: "",
      gotName: "",
      jsonMethods: 0,
      error: String(error),
    };
  },
);
