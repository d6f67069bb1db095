import {
  create,
  fromBinary,
  toBinary,
  type DescFile,
  type DescMessage,
  type DescService,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ServerReflectionAlpha,
  ServerReflectionRequestSchema as AlphaRequestSchema,
  ServerReflectionResponseSchema as AlphaResponseSchema,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** The two reflection services, v1 and the older v1alpha. */
export interface ReflectionServices {
  readonly v1: ServiceImpl<typeof ServerReflection>;
  readonly v1alpha: ServiceImpl<typeof ServerReflectionAlpha>;
}

/**
 * Creates grpc.reflection.v1 and v1alpha ServerReflectionInfo for the given
 * services: list_services, file_by_filename, file_containing_symbol
 * (messages, enums, services, methods, extensions, nested ones too),
 * file_containing_extension and all_extension_numbers_of_type. A file
 * answer holds the serialized FileDescriptorProto of the file and of every
 * file it depends on, transitively, the file itself first. Unknown names
 * answer an error_response with NOT_FOUND; an empty request INVALID_ARGUMENT.
 */
export function createReflectionServices(
  services: readonly DescService[],
): ReflectionServices {
  const index = buildIndex(services);
  const answer = (req: ServerReflectionRequest): ServerReflectionResponse =>
    create(ServerReflectionResponseSchema, {
      validHost: req.host,
      originalRequest: req,
      messageResponse: respond(index, req),
    });
  const v1: ServiceImpl<typeof ServerReflection> = {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield answer(req);
      }
    },
  };
  // v1alpha has the same fields and numbers as v1, so the bytes convert.
  const v1alpha: ServiceImpl<typeof ServerReflectionAlpha> = {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        const v1Req = fromBinary(
          ServerReflectionRequestSchema,
          toBinary(AlphaRequestSchema, req),
        );
        yield fromBinary(
          AlphaResponseSchema,
          toBinary(ServerReflectionResponseSchema, answer(v1Req)),
        );
      }
    },
  };
  return { v1, v1alpha };
}

interface Index {
  readonly serviceNames: string[];
  readonly files: Map<string, DescFile>;
  readonly symbols: Map<string, DescFile>;
  /** extendee type name -> field number -> declaring file */
  readonly extensions: Map<string, Map<number, DescFile>>;
}

function buildIndex(services: readonly DescService[]): Index {
  const index: Index = {
    serviceNames: services.map((s) => s.typeName).sort(),
    files: new Map(),
    symbols: new Map(),
    extensions: new Map(),
  };
  const addFile = (file: DescFile) => {
    if (index.files.has(file.proto.name)) {
      return;
    }
    index.files.set(file.proto.name, file);
    file.dependencies.forEach(addFile);
    for (const service of file.services) {
      index.symbols.set(service.typeName, file);
      for (const method of service.methods) {
        index.symbols.set(`${service.typeName}.${method.name}`, file);
      }
    }
    for (const enumDesc of file.enums) {
      index.symbols.set(enumDesc.typeName, file);
    }
    file.messages.forEach((message) => addMessage(message, file));
    file.extensions.forEach((ext) => addExtension(ext, file));
  };
  const addMessage = (message: DescMessage, file: DescFile) => {
    index.symbols.set(message.typeName, file);
    message.nestedEnums.forEach((e) => index.symbols.set(e.typeName, file));
    message.nestedMessages.forEach((m) => addMessage(m, file));
    message.nestedExtensions.forEach((ext) => addExtension(ext, file));
  };
  const addExtension = (
    ext: { typeName: string; number: number; extendee: DescMessage },
    file: DescFile,
  ) => {
    index.symbols.set(ext.typeName, file);
    let numbers = index.extensions.get(ext.extendee.typeName);
    if (numbers === undefined) {
      numbers = new Map();
      index.extensions.set(ext.extendee.typeName, numbers);
    }
    numbers.set(ext.number, file);
  };
  for (const service of services) {
    addFile(service.file);
  }
  return index;
}

function respond(
  index: Index,
  req: ServerReflectionRequest,
): ServerReflectionResponse["messageResponse"] {
  const request = req.messageRequest;
  switch (request.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: {
          $typeName: "grpc.reflection.v1.ListServiceResponse",
          service: index.serviceNames.map((name) => ({
            $typeName: "grpc.reflection.v1.ServiceResponse",
            name,
          })),
        },
      };
    case "fileByFilename":
      return fileAnswer(index.files.get(request.value), request.value);
    case "fileContainingSymbol":
      return fileAnswer(
        index.symbols.get(request.value.replace(/^\./, "")),
        request.value,
      );
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = request.value;
      return fileAnswer(
        index.extensions.get(containingType)?.get(extensionNumber),
        `${containingType}(${extensionNumber})`,
      );
    }
    case "allExtensionNumbersOfType": {
      const typeName = request.value;
      if (!index.symbols.has(typeName)) {
        return notFound(typeName);
      }
      const numbers = [...(index.extensions.get(typeName)?.keys() ?? [])];
      return {
        case: "allExtensionNumbersResponse",
        value: {
          $typeName: "grpc.reflection.v1.ExtensionNumberResponse",
          baseTypeName: typeName,
          extensionNumber: numbers.sort((a, b) => a - b),
        },
      };
    }
    default:
      return errorAnswer(Code.InvalidArgument, "empty reflection request");
  }
}

function fileAnswer(
  file: DescFile | undefined,
  name: string,
): ServerReflectionResponse["messageResponse"] {
  if (file === undefined) {
    return notFound(name);
  }
  const seen = new Set<string>();
  const protos: Uint8Array[] = [];
  const visit = (f: DescFile) => {
    if (seen.has(f.proto.name)) {
      return;
    }
    seen.add(f.proto.name);
    protos.push(toBinary(FileDescriptorProtoSchema, f.proto));
    f.dependencies.forEach(visit);
  };
  visit(file);
  return {
    case: "fileDescriptorResponse",
    value: {
      $typeName: "grpc.reflection.v1.FileDescriptorResponse",
      fileDescriptorProto: protos,
    },
  };
}

function notFound(name: string): ServerReflectionResponse["messageResponse"] {
  return errorAnswer(Code.NotFound, `"${name}" not found`);
}

function errorAnswer(
  code: Code,
  message: string,
): ServerReflectionResponse["messageResponse"] {
  return {
    case: "errorResponse",
    value: {
      $typeName: "grpc.reflection.v1.ErrorResponse",
      errorCode: code,
      errorMessage: message,
    },
  };
}
