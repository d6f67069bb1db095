import { spawn } from "node:child_process";

/** An HTTP answer, as a REST test sees it. */
export interface RestAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or undefined for an empty one. */
  readonly json: unknown;
}

/** The `google.rpc.Status` JSON of a REST error. */
export interface StatusJson {
  readonly code: number;
  readonly message: string;
  readonly details: { "@type": string; id?: string; message?: string }[];
}

/** Where curl is; CI installs it (see .ci/run). */
export const curlPath = "/usr/bin/curl";

/**
 * Runs curl with the given arguments plus `-sS -D -` (headers on stdout)
 * and `--max-time`, and parses the last response. Rejects when curl fails
 * or runs longer than `timeoutMs`.
 */
export function runCurl(args: string[], timeoutMs = 10_000): Promise<RestAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      curlPath,
      ["-sS", "-D", "-", "--max-time", String(timeoutMs / 1000), ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (c: string) => (stdout += c));
    child.stderr.on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`curl timed out: ${args.join(" ")}`));
    }, timeoutMs + 2000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`curl exited with ${code}: ${stderr}`));
        return;
      }
      resolve(parseCurlOutput(stdout));
    });
  });
}

/** A REST call with fetch, bounded in time. */
export async function restCall(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<RestAnswer> {
  const headers: Record<string, string> = {};
  if (options.token) {
    headers.authorization = `Bearer ${options.token}`;
  }
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
  }
  if (body !== undefined) {
    headers["content-type"] = "application/json";
  }
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

/** A Connect unary JSON call of an ActionService RPC. */
export function connectCall(
  baseUrl: string,
  rpc: string,
  token: string,
  body: unknown,
): Promise<RestAnswer> {
  return restCall(
    baseUrl,
    "POST",
    `/zitadel.action.v3alpha.ActionService/${rpc}`,
    { token, body },
  );
}

function parseCurlOutput(stdout: string): RestAnswer {
  // With redirects or 100 Continue there are several header blocks; the
  // last one belongs to the body.
  let rest = stdout;
  let head = "";
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0 || !rest.startsWith("HTTP/")) {
      break;
    }
    head = rest.slice(0, end);
    rest = rest.slice(end + 4);
  }
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    json: rest.trim() === "" ? undefined : JSON.parse(rest),
  };
}
