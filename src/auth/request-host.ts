/**
 * Turns a `Host` or `:authority` value into the form instances claim
 * domains in: lower-case, without port, IPv6 without brackets, without a
 * trailing dot. Answers "" for an empty or unusable value, which no
 * instance claims.
 */
export function normalizeHost(host: string | undefined): string {
  if (host === undefined) {
    return "";
  }
  let value = host.trim().toLowerCase();
  // Userinfo is not part of the host (an authority may carry it).
  const at = value.lastIndexOf("@");
  if (at >= 0) {
    value = value.slice(at + 1);
  }
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    return end < 0 ? "" : value.slice(1, end);
  }
  const colons = value.split(":").length - 1;
  if (colons === 1) {
    value = value.slice(0, value.indexOf(":"));
  }
  // More than one colon without brackets is a bare IPv6 address, which
  // cannot carry a port.
  return value.endsWith(".") ? value.slice(0, -1) : value;
}

/**
 * Normalizes a domain given on the command line or in config; throws a
 * TypeError for one that is empty or holds characters no host has.
 */
export function normalizeDomain(domain: string): string {
  const host = normalizeHost(domain);
  if (host === "" || !/^[a-z0-9.\-:_]+$/.test(host)) {
    throw new TypeError(`invalid domain "${domain}"`);
  }
  return host;
}

/**
 * The issuer URLs of an instance whose first domain is `domain`: the
 * `http` and `https` forms, since the scheme depends on how the server is
 * reached. The first is the one tokens are minted with unless told.
 */
export function localIssuerUrls(domain: string): string[] {
  const host = domain.includes(":") ? `[${domain}]` : domain;
  return [`http://${host}`, `https://${host}`];
}
