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
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internal.addSubnet(net, prefix, "ipv6");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries. */
function normalize(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1] as string, family: "ipv4" };
  return { address, family: isIP(address) === 6 ? "ipv6" : "ipv4" };
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
