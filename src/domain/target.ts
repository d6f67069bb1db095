import type { TargetType } from "./execution-snapshot.js";

/** How a target is called (defined with the runtime snapshot). */
export type { TargetType };

/**
 * How long a target may take, as protobuf's Duration holds it, so that a
 * timeout reads back exactly as it was written.
 */
export interface Timeout {
  readonly seconds: number;
  readonly nanos: number;
}

/** The settings of a target that a caller chooses. */
export interface TargetSettings {
  readonly name: string;
  readonly type: TargetType;
  /** Only meaningful for webhook and call; always false for async. */
  readonly interruptOnError: boolean;
  readonly timeout: Timeout;
  readonly endpoint: string;
}

/** A stored target as reads answer it (the signing key stays sealed). */
export interface Target extends TargetSettings {
  readonly id: string;
  readonly createdAt: number;
  /** Milliseconds since the epoch of the last change. */
  readonly changedAt: number;
  /** Sequence of the last event of this target. */
  readonly sequence: number;
}

/**
 * A requested change of a target: absent fields stay as they are. Choosing
 * a type always comes with its interrupt flag.
 */
export interface TargetChange {
  readonly name?: string;
  readonly kind?: {
    readonly type: TargetType;
    readonly interruptOnError: boolean;
  };
  readonly timeout?: Timeout;
  readonly endpoint?: string;
  readonly rotateSigningKey?: boolean;
}

/** The state after a write: the event's sequence and its time. */
export interface ChangeDetails {
  readonly sequence: number;
  /** Milliseconds since the epoch. */
  readonly changedAt: number;
}

/** Converts a timeout to milliseconds, fractions kept. */
export function timeoutMillis(timeout: Timeout): number {
  return timeout.seconds * 1000 + timeout.nanos / 1e6;
}
