// HTTP/1.1 load with autocannon (npm), when it is installed. It is not a
// dependency of the product; the runner falls back to h2load --h1 and the
// Node generator without it.
import type { LoadResult } from "./load-result.js";
import type { RequestSpec } from "./request-spec.js";

/** Runs one HTTP/1.1 case; see `loadAutocannon`. */
export type AutocannonRun = (options: {
  readonly baseUrl: string;
  /** The request of call number n. */
  readonly spec: (n: number) => RequestSpec;
  readonly seconds: number;
  readonly connections: number;
}) => Promise<LoadResult>;

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/**
 * Imports autocannon; answers undefined when it is not installed, so the
 * caller can print one line and go on.
 */
export async function loadAutocannon(): Promise<AutocannonRun | undefined> {
  let autocannon: Autocannon;
  try {
    // A variable specifier keeps tsc from needing its types.
    const name = "autocannon";
    const module = (await import(name)) as { default: Autocannon };
    autocannon = module.default;
  } catch {
    return undefined;
  }
  return async ({ baseUrl, spec, seconds, connections }) => {
    const first = spec(0);
    let n = 0;
    const result = await autocannon({
      url: `${baseUrl}${first.path}`,
      connections,
      duration: seconds,
      method: first.method,
      headers: first.headers,
      body: first.body,
      requests: [
        {
          setupRequest: (req: Record<string, unknown>) => {
            const current = spec(n++);
            return {
              ...req,
              method: current.method,
              path: current.path,
              headers: current.headers,
              body: current.body,
            };
          },
        },
      ],
    });
    const failed = result.non2xx + result.errors + result.timeouts;
    return {
      calls: result.requests.total - result.non2xx,
      failed,
      seconds: result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
    };
  };
}
