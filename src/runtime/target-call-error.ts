/**
 * Why a target call failed:
 * - `status`: the target answered a status outside 2xx (a 3xx included,
 *   since redirects are not followed);
 * - `timeout`: the target's timeout passed before the whole answer came;
 * - `transport`: no connection, a reset, a malformed answer;
 * - `denied`: the endpoint or the address it resolved to is on the deny
 *   list;
 * - `tooLarge`: the answer's body passed the size limit;
 * - `canceled`: the originating call ended first;
 * - `invalidBody`: a call target's body did not parse as the message.
 */
export type TargetCallErrorKind =
  | "status"
  | "timeout"
  | "transport"
  | "denied"
  | "tooLarge"
  | "canceled"
  | "invalidBody";

/**
 * A failed target call. Its message names the target and the reason, never
 * the body, so it may go to the log.
 */
export class TargetCallError extends Error {
  override readonly name = "TargetCallError";

  constructor(
    readonly kind: TargetCallErrorKind,
    readonly targetId: string,
    message: string,
    /** The HTTP status, for `status` errors. */
    readonly status?: number,
    options?: { cause?: unknown; retryAfter?: string },
  ) {
    super(message, options);
    this.retryAfter = options?.retryAfter;
  }

  /** The answer's `Retry-After` header as sent, for `status` errors. */
  readonly retryAfter: string | undefined;
}
