import {
  Code,
  ConnectError,
  createContextKey,
  type Interceptor,
} from "@connectrpc/connect";

/**
 * A call made only to learn whether its caller would be let in. Requests
 * refused before the interceptors run (a body that does not decode, one
 * over the size limit, REST input that does not fit its rule) are run
 * through the chain once more with an empty message and a probe: the auth
 * interceptor either rejects the caller, which is then the answer, or sets
 * `passed` and stops the call before anything else runs, and the original
 * refusal is answered. So a caller without a valid token or permission
 * learns nothing about the shape of the request.
 */
export interface AuthProbe {
  passed: boolean;
}

/** The probe of the current call, when it is one. */
export const authProbeKey = createContextKey<AuthProbe | undefined>(
  undefined,
  { description: "whether the call only probes authorization" },
);

/**
 * What the auth interceptor throws once a probe has passed, so that no
 * further interceptor or handler sees the empty message. Never answered:
 * whoever made the probe answers the original refusal instead.
 */
export const probePassed = new ConnectError(
  "authorization probe passed",
  Code.Aborted,
);

/**
 * Set in the context values of calls whose interceptor chain ends with
 * `endProbes`; only such a call may be probed, since only there can an
 * empty message never reach a handler.
 */
export const probesEndKey = createContextKey<boolean>(false, {
  description: "whether the chain ends every probe",
});

/**
 * The innermost interceptor of a chain that takes probes: a probe that got
 * this far was let in by every interceptor before, so it has passed, and
 * ends here instead of at the handler. The auth interceptor ends probes
 * sooner, before executions run; this one makes sure even a chain without
 * it never hands the empty message on.
 */
export const endProbes: Interceptor = (next) => (req) => {
  const probe = req.contextValues.get(authProbeKey);
  if (probe === undefined) {
    return next(req);
  }
  probe.passed = true;
  throw probePassed;
};
