// The peer of the benchmark: the Action Service as a user would serve it
// without actionsd's transport, with @grpc/grpc-js. Storage, domain rules,
// token verification and permissions are actionsd's own code; only the
// transport differs, so the ratio shows what Connect and our interceptor
// chain cost. Not part of the product.
// Run: node <dist>/bench/peer/grpc-js-server.js --data <dir> [--port 0]
import {
  fromBinary,
  getOption,
  toBinary,
  type DescMessage,
  type DescMethod,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  createContextValues,
  type HandlerContext,
} from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { parseArgs } from "node:util";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { options as zitadelOptions } from "../../gen/zitadel/protoc_gen_zitadel/v2/options_pb.js";
import { createActionService } from "../../src/api/action-service.js";
import { callerKey, type Caller } from "../../src/auth/caller.js";
import { createInstanceDirectory } from "../../src/auth/instance-directory.js";
import {
  defaultRolePermissions,
  permissionsForRoles,
} from "../../src/auth/permissions.js";
import {
  createTokenVerifier,
  parseBearer,
} from "../../src/auth/token-verifier.js";
import { defaultFunctions } from "../../src/config.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { toConnectError } from "../../src/errors/connect-error.js";
import { openDatabase } from "../../src/store/database.js";
import { dataPaths } from "../../src/store/data-directory.js";
import { createInstanceStore } from "../../src/store/instance-store.js";
import { loadSecretKey } from "../../src/store/secret-key.js";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    port: { type: "string", default: "0" },
  },
});
if (values.data === undefined) {
  throw new Error("--data is required");
}
const paths = dataPaths(values.data);
const db = openDatabase({ path: paths.database });
const defaultInstance = createInstanceStore(db).list()[0];
if (defaultInstance === undefined) {
  throw new Error("no instance: start actionsd once on this data first");
}
// grpc-js hides :authority behind its own API, so every call belongs to the
// default instance, which is what our server picks for 127.0.0.1 too.
const host = defaultInstance.domains[0] ?? "";
const directory = createInstanceDirectory(db);
const verifier = createTokenVerifier();
const callers = new Map<string, { caller: Caller; untilMs: number }>();
const served = Object.freeze(
  ActionService.methods
    .map((m) => `/${ActionService.typeName}/${m.name}`)
    .sort(),
);
const impl = createActionService({
  db,
  clock: () => new Date(),
  ids: createIdGenerator(),
  functions: defaultFunctions,
  servedMethods: () => served,
  secretKey: loadSecretKey(paths.secretKey),
});

// What a hand-written grpc-js service does per call: find the instance,
// verify the bearer token (cached until it expires), check the permission.
async function authenticate(
  metadata: grpc.Metadata,
  method: DescMethod,
): Promise<Caller> {
  const entry = directory.findByHost(host);
  if (entry === undefined) {
    throw new Error("instance not found");
  }
  const header = metadata.get("authorization")[0];
  const token = parseBearer(typeof header === "string" ? header : undefined);
  const nowMs = Date.now();
  let cached = callers.get(token);
  if (cached === undefined || cached.untilMs <= nowMs) {
    const verified = await verifier.verify(entry.trust, token);
    cached = {
      caller: {
        instanceId: entry.instance.id,
        userId: verified.userId,
        orgId: verified.orgId,
        projectId: verified.projectId,
        roles: verified.roles,
        permissions: permissionsForRoles(
          verified.roles,
          defaultRolePermissions,
        ),
      },
      untilMs: verified.cacheUntilMs,
    };
    callers.set(token, cached);
  }
  const permission =
    getOption(method, zitadelOptions)?.authOption?.permission ?? "";
  if (permission !== "" && !cached.caller.permissions.has(permission)) {
    throw Object.assign(new Error("no matching permissions"), {
      grpcCode: grpc.status.PERMISSION_DENIED,
    });
  }
  return cached.caller;
}

type UnaryImpl = (
  request: unknown,
  context: HandlerContext,
) => unknown;

const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> =
  {};
const handlers: grpc.UntypedServiceImplementation = {};
for (const method of ActionService.methods) {
  const input: DescMessage = method.input;
  const output: DescMessage = method.output;
  definition[method.name] = {
    path: `/${ActionService.typeName}/${method.name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (message) =>
      Buffer.from(toBinary(input, message as MessageShape<DescMessage>)),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
    responseSerialize: (message) =>
      Buffer.from(toBinary(output, message as MessageShape<DescMessage>)),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    originalName: method.localName,
  };
  const handle = (impl as unknown as Record<string, UnaryImpl>)[
    method.localName
  ]!;
  handlers[method.name] = ((
    call: grpc.ServerUnaryCall<unknown, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ) => {
    authenticate(call.metadata, method)
      .then((caller) => {
        const context = {
          values: createContextValues().set(callerKey, caller),
        } as HandlerContext;
        return handle(call.request, context);
      })
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          const code =
            (error as { grpcCode?: number }).grpcCode ??
            toConnectError(error).code;
          callback({ code, details: (error as Error).message });
        },
      );
  }) as grpc.handleUnaryCall<unknown, unknown>;
}

const server = new grpc.Server();
server.addService(definition as grpc.ServiceDefinition, handlers);
server.bindAsync(
  `127.0.0.1:${values.port}`,
  grpc.ServerCredentials.createInsecure(),
  (error, port) => {
    if (error !== null) {
      throw error;
    }
    process.stdout.write(`${JSON.stringify({ msg: "listening", port })}\n`);
  },
);
process.once("SIGTERM", () => {
  server.tryShutdown(() => {
    db.close();
    process.exit(0);
  });
});
