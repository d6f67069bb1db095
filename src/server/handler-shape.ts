import type {
  UniversalHandler,
  UniversalHandlerFn,
} from "@connectrpc/connect/protocol";

/**
 * Gives a function that wraps a router's universal handler the handler's
 * properties (path, method, service, protocols, content types, allowed
 * methods), so that it can take the handler's place in the router.
 */
export function withHandlerShape(
  wrapped: UniversalHandlerFn,
  handler: UniversalHandler,
): UniversalHandler {
  return Object.assign(wrapped, {
    method: handler.method,
    service: handler.service,
    protocolNames: handler.protocolNames,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
    requestPath: handler.requestPath,
  });
}
