import type { LookupAddress, LookupOptions } from "node:dns";
import { lookup as dnsLookup } from "node:dns";
import ipaddr from "ipaddr.js";

/**
 * The entries used when no `--deny-target` is given: link-local ranges
 * (where cloud metadata services answer) and the metadata host names and
 * addresses of the large clouds. Loopback is allowed on purpose: tests and
 * sidecars on the same host are ordinary targets.
 */
export const defaultDenyEntries: readonly string[] = [
  "169.254.0.0/16",
  "fe80::/10",
  "100.100.100.200",
  "fd00:ec2::254",
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.com",
  "metadata.oraclecloud.com",
  "metadata.packet.net",
  "instance-data",
  "instance-data.ec2.internal",
];

/** The signature of `dns.lookup` that `net.connect` calls. */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

/** A deny list of target hosts and address ranges. */
export interface DenyList {
  /**
   * Checks an endpoint as written, for CreateTarget and UpdateTarget: its
   * host name, or its literal address. Answers the reason it is refused, or
   * undefined when it is allowed. Names are not resolved here; the call
   * time check covers what they resolve to.
   */
  checkEndpoint(endpoint: URL): string | undefined;
  /** Answers the reason an address is refused, or undefined. */
  checkAddress(address: string): string | undefined;
  /**
   * A `lookup` for `net.connect` that resolves like `dns.lookup` and then
   * fails with code `EDENIED` when any resolved address is denied, so a
   * name that resolves into a denied range is refused at connect time.
   */
  readonly lookup: LookupFunction;
}

/** Options of `createDenyList`. */
export interface DenyListOptions {
  /** CIDR ranges, single addresses or host names. Default: the defaults. */
  readonly entries?: readonly string[];
  /** The resolver under the check. Default: `dns.lookup`. */
  readonly resolve?: LookupFunction;
}

/**
 * Builds a deny list. An entry with a "/" is a CIDR range, one that parses
 * as an address is that single address, anything else is a host name
 * (matched case-insensitively, also as a suffix after a dot).
 * Throws a TypeError for a malformed CIDR range, so a bad flag fails the
 * start.
 */
export function createDenyList(options: DenyListOptions = {}): DenyList {
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number, string]> = [];
  const hosts = new Set<string>();
  for (const raw of options.entries ?? defaultDenyEntries) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") {
      continue;
    }
    if (entry.includes("/")) {
      try {
        const [address, bits] = ipaddr.parseCIDR(entry);
        ranges.push([address, bits, entry]);
      } catch {
        throw new TypeError(`invalid deny entry "${raw}"`);
      }
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      ranges.push([address, address.kind() === "ipv4" ? 32 : 128, entry]);
    } else {
      hosts.add(entry.replace(/\.$/, ""));
    }
  }

  function checkAddress(text: string): string | undefined {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = ipaddr.parse(text.replace(/^\[|\]$/g, ""));
    } catch {
      return undefined;
    }
    // An IPv4-mapped IPv6 address reaches the IPv4 host, so it is checked
    // as that host.
    if (address.kind() === "ipv6") {
      const v6 = address as ipaddr.IPv6;
      if (v6.isIPv4MappedAddress()) {
        address = v6.toIPv4Address();
      }
    }
    for (const [range, bits, entry] of ranges) {
      if (range.kind() === address.kind() && address.match(range, bits)) {
        return `address ${text} is denied by ${entry}`;
      }
    }
    return undefined;
  }

  function checkHost(host: string): string | undefined {
    let name = host.toLowerCase().replace(/\.$/, "");
    while (name !== "") {
      if (hosts.has(name)) {
        return `host ${host} is denied`;
      }
      const dot = name.indexOf(".");
      name = dot < 0 ? "" : name.slice(dot + 1);
    }
    return undefined;
  }

  const resolve = options.resolve ?? (dnsLookup as unknown as LookupFunction);
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const denied = checkHost(hostname);
    if (denied !== undefined) {
      callback(deniedError(denied), "", 0);
      return;
    }
    resolve(hostname, lookupOptions, (error, address, family) => {
      if (error !== null) {
        callback(error, address, family);
        return;
      }
      const list = typeof address === "string" ? [{ address }] : address;
      for (const entry of list) {
        const reason = checkAddress(entry.address);
        if (reason !== undefined) {
          callback(deniedError(`${hostname}: ${reason}`), "", 0);
          return;
        }
      }
      callback(null, address, family);
    });
  };

  return {
    checkEndpoint(endpoint) {
      const host = endpoint.hostname.replace(/^\[|\]$/g, "");
      if (ipaddr.isValid(host)) {
        return checkAddress(host);
      }
      return checkHost(host);
    },
    checkAddress,
    lookup,
  };
}

function deniedError(reason: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(reason);
  error.code = "EDENIED";
  return error;
}
