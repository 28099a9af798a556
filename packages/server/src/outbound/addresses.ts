import { BlockList, isIP } from "node:net";

/** Addresses no outbound request may reach unless allow-listed: loopback, private, link-local (cloud metadata), and the like. */
const internal = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  internal.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b:1::", 48], // NAT64 for local use (RFC 8215): whatever it carries, it stays inside
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internal.addSubnet(net, prefix, "ipv6");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** An IPv6 address as its eight 16-bit groups (a dotted IPv4 tail counts as two), or undefined if it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(":").map((g) => Number.parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups =
    tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 ? groups : undefined;
}

const dottedQuad = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * IPv6 forms that carry an IPv4 address are judged as that address: IPv4-mapped
 * (`::ffff:10.0.0.1`, also `::ffff:a00:1`), IPv4-compatible (`::10.0.0.1`, deprecated
 * but still routed by some stacks), NAT64's well-known prefix (`64:ff9b::/96`, RFC 6052)
 * and 6to4 (`2002:aabb:ccdd::/48`, RFC 3056), so none of them reaches around the IPv4 rules.
 */
function normalize(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const g = ipv6Groups(address);
  if (!g) return { address, family: "ipv4" };
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroThroughG4 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  const mapped = zeroThroughG4 && g5 === 0xffff;
  // `::` and `::1` are the unspecified and loopback addresses, not IPv4-compatible ones.
  const compatible = zeroThroughG4 && g5 === 0 && (g6 !== 0 || g7 > 1);
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (mapped || compatible || nat64) return { address: dottedQuad(g6, g7), family: "ipv4" };
  if (g0 === 0x2002) return { address: dottedQuad(g1, g2), family: "ipv4" };
  return { address, family: "ipv6" };
}

export function isInternalAddress(address: string): boolean {
  const a = normalize(address);
  return internal.check(a.address, a.family);
}

export function isLoopbackAddress(address: string): boolean {
  const a = normalize(address);
  return loopback.check(a.address, a.family);
}

/** An allow-list of hosts, addresses and CIDRs from configuration (`outboundAllowList`). */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly nets = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [net, bits] = entry.split("/");
      const family = isIP(net ?? "");
      if (family && bits !== undefined)
        this.nets.addSubnet(net as string, Number(bits), family === 6 ? "ipv6" : "ipv4");
      else if (family) this.nets.addAddress(net as string, family === 6 ? "ipv6" : "ipv4");
      else this.hosts.add(entry.toLowerCase());
    }
  }

  allowsHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase());
  }

  allowsAddress(address: string): boolean {
    const a = normalize(address);
    return this.nets.check(a.address, a.family);
  }
}
