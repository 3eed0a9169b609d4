// Server-side request forgery: a URL client id makes this server fetch a URL an attacker chose.
// draft-ietf-oauth-client-id-metadata-document (Security Considerations, SSRF): the server MUST
// refuse URLs that resolve to special-use addresses (RFC 6890), except loopback when the server
// itself runs on loopback. Otherwise "https://10.0.0.5/admin" or the cloud metadata address
// 169.254.169.254 would be fetched from inside your network.
import { BlockList, isIP } from 'node:net'

export type AddressKind = 'public' | 'loopback' | 'special-use'

// One list per family: a BlockList also matches IPv4 addresses against IPv4-mapped IPv6 rules
// (::ffff:0:0/96 would swallow every IPv4 address), so each family is checked only against its own.
const loopback = { ipv4: new BlockList(), ipv6: new BlockList() }
loopback.ipv4.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.ipv6.addAddress('::1', 'ipv6')

// RFC 6890 and its IANA registries: addresses that are not "somewhere on the internet".
const specialUse = { ipv4: new BlockList(), ipv6: new BlockList() }
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local, where cloud metadata services live
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
] as const) {
  specialUse.ipv4.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::ffff:0:0', 96], // IPv4-mapped, loopback included: an IPv4 address in disguise is refused outright
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  specialUse.ipv6.addSubnet(network, prefix, 'ipv6')
}

/** What kind of address `ip` is; anything that is not an IP address counts as special-use. */
export function classifyAddress(ip: string): AddressKind {
  const family = isIP(ip)
  if (family === 0) return 'special-use'
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (loopback[type].check(ip, type)) return 'loopback'
  return specialUse[type].check(ip, type) ? 'special-use' : 'public'
}

/** May this server connect to `ip`? Loopback only when the lab's opt-in is on. */
export function isFetchableAddress(ip: string, allowLoopback: boolean): boolean {
  const kind = classifyAddress(ip)
  return kind === 'public' || (kind === 'loopback' && allowLoopback)
}
