import { readFileSync } from "node:fs";

function ipv4(hex: string): string {
  // /proc/net/tcp holds the address as one little-endian 32-bit word.
  return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(".");
}

function ipv6(hex: string): string {
  // /proc/net/tcp6: four little-endian 32-bit words.
  const bytes: string[] = [];
  for (let word = 0; word < 4; word++)
    for (const i of [6, 4, 2, 0]) bytes.push(hex.slice(word * 8 + i, word * 8 + i + 2));
  if (bytes.slice(0, 10).every((b) => b === "00") && bytes[10] === "FF" && bytes[11] === "FF")
    return `::ffff:${bytes
      .slice(12)
      .map((b) => Number.parseInt(b, 16))
      .join(".")}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(Number.parseInt(`${bytes[i]}${bytes[i + 1]}`, 16).toString(16));
  const text = groups.join(":");
  return text === "0:0:0:0:0:0:0:0" ? "::" : text === "0:0:0:0:0:0:0:1" ? "::1" : text;
}

/**
 * The local addresses of the TCP sockets listening on `port` (Linux: /proc/net/tcp
 * and tcp6), e.g. ["127.0.0.1"], or ["::"] for a server on every interface.
 */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, decode] of [
    ["/proc/net/tcp", ipv4],
    ["/proc/net/tcp6", ipv6],
  ] as const) {
    let table: string;
    try {
      table = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of table.trim().split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, portHex] = (local ?? "").split(":");
      if (state === "0A" && address && Number.parseInt(portHex ?? "", 16) === port)
        found.push(decode(address));
    }
  }
  return found.sort();
}
