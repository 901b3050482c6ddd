import { BlockList, isIP } from 'node:net';

/**
 * Addresses a media URL from a recipe must not reach by default: this machine, the local network, link-local
 * (cloud metadata services live at 169.254.169.254), carrier-grade NAT, multicast and reserved ranges. A
 * recipe comes from a pull request as easily as from its author, and what it downloads travels on to a
 * provider and into reports.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // Unspecified, loopback and the old IPv4-compatible form.
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** True for an IP address (v4 or v6, with or without brackets) in a range that is not the public internet. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 4) return BLOCKED.check(ip, 'ipv4');
  if (family !== 6) return false;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1, NAT64's 64:ff9b::) is that IPv4 address.
  const embedded = embeddedIpv4(ip);
  if (embedded) return BLOCKED.check(embedded, 'ipv4');
  return BLOCKED.check(ip, 'ipv6');
}

function embeddedIpv4(ip: string): string | undefined {
  const m = /^(?:::ffff:(?:0:)?|64:ff9b::)(.+)$/i.exec(ip);
  if (!m) return undefined;
  const tail = m[1]!;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
