import type { Interceptor } from "@connectrpc/connect";
import { toConnectError } from "./connect-error.js";

/**
 * Turns anything thrown by the interceptors after it and the handlers into
 * the ConnectError the caller sees (see `toConnectError`): a DomainError
 * keeps its code and detail, anything unexpected becomes Internal with a
 * generic message and the original as `cause`, for the request log. Covers
 * errors raised while a response stream is produced, too.
 */
export const errorInterceptor: Interceptor = (next) => async (req) => {
  try {
    const res = await next(req);
    if (!res.stream) {
      return res;
    }
    return { ...res, message: convertStreamErrors(res.message) };
  } catch (error) {
    throw toConnectError(error);
  }
};

async function* convertStreamErrors<T>(
  messages: AsyncIterable<T>,
): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error);
  }
}
