// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) a load balancer
// sends ahead of a client's bytes to say where the client really connects from. The parse of a
// whole header is proxy-protocol-js's; what is ours is the framing: knowing, from a stream's first
// bytes, whether a header is there and where it ends (the library takes a header and reads the
// rest as payload, TLVs included), and the limits the spec sets.
import { isIP } from 'node:net'
import {
  Command,
  IPv4ProxyAddress,
  IPv6ProxyAddress,
  V1ProxyProtocol,
  V2ProxyProtocol,
} from 'proxy-protocol-js'

/** The client a header names, or `local` (a health check: the connection's own peer stands). */
export type ProxyHeader =
  { kind: 'proxied'; address: string; port: number; family: 'IPv4' | 'IPv6' } | { kind: 'local' }

/** What the first bytes of a stream hold. */
export type ProxyHeaderScan =
  /** Not enough bytes yet to tell. */
  | { kind: 'more' }
  /** No PROXY header: the stream starts with the client's own bytes. */
  | { kind: 'none' }
  | { kind: 'header'; header: ProxyHeader; length: number }
  | { kind: 'invalid'; reason: string }

const V1_PREFIX = Buffer.from('PROXY ', 'latin1')
const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
])
/** A v1 line is at most 107 bytes, CRLF included (the spec's worst case). */
const V1_MAX = 107
/** The v2 fixed part: signature, version and command, family, length. */
const V2_FIXED = 16

export function scanProxyHeader(bytes: Buffer): ProxyHeaderScan {
  if (startsWith(bytes, V2_SIGNATURE)) return scanV2(bytes)
  if (startsWith(bytes, V1_PREFIX)) return scanV1(bytes)
  // A prefix of either signature could still become one.
  const partial =
    bytes.length < V2_SIGNATURE.length &&
    (V2_SIGNATURE.subarray(0, bytes.length).equals(bytes) ||
      V1_PREFIX.subarray(0, bytes.length).equals(bytes))
  return partial ? { kind: 'more' } : { kind: 'none' }
}

function scanV1(bytes: Buffer): ProxyHeaderScan {
  const end = bytes.indexOf('\r\n', 0, 'latin1')
  if (end < 0) {
    return bytes.length >= V1_MAX
      ? { kind: 'invalid', reason: `PROXY v1 header without CRLF in ${V1_MAX} bytes` }
      : { kind: 'more' }
  }
  const length = end + 2
  if (length > V1_MAX) return { kind: 'invalid', reason: 'PROXY v1 header longer than 107 bytes' }
  const line = bytes.toString('latin1', 0, length)
  if (line.startsWith('PROXY UNKNOWN')) return { kind: 'header', header: { kind: 'local' }, length }
  let parsed: V1ProxyProtocol
  try {
    parsed = V1ProxyProtocol.parse(line)
  } catch (err) {
    return { kind: 'invalid', reason: `PROXY v1 header: ${(err as Error).message}` }
  }
  const { ipAddress, port } = parsed.source
  const version = isIP(ipAddress)
  if (version === 0 || !(port >= 0 && port <= 65535)) {
    return { kind: 'invalid', reason: `PROXY v1 header names no client address: ${line.trim()}` }
  }
  const family = version === 4 ? 'IPv4' : 'IPv6'
  return { kind: 'header', header: { kind: 'proxied', address: ipAddress, port, family }, length }
}

function scanV2(bytes: Buffer): ProxyHeaderScan {
  if (bytes.length < V2_FIXED) return { kind: 'more' }
  const length = V2_FIXED + bytes.readUInt16BE(14)
  if (bytes.length < length) return { kind: 'more' }
  // The version is the high nibble of byte 12: only 2 exists.
  if (bytes[12]! >> 4 !== 2)
    return { kind: 'invalid', reason: 'PROXY header of an unknown version' }
  let parsed: V2ProxyProtocol
  try {
    parsed = V2ProxyProtocol.parse(new Uint8Array(bytes.subarray(0, length)))
  } catch (err) {
    return { kind: 'invalid', reason: `PROXY v2 header: ${(err as Error).message}` }
  }
  if (parsed.command === Command.LOCAL) return { kind: 'header', header: { kind: 'local' }, length }
  const address = parsed.proxyAddress
  if (address instanceof IPv4ProxyAddress) {
    const ip = address.sourceAddress.address.join('.')
    const header = { kind: 'proxied', address: ip, port: address.sourcePort, family: 'IPv4' }
    return { kind: 'header', header: header as ProxyHeader, length }
  }
  if (address instanceof IPv6ProxyAddress) {
    const parts = address.sourceAddress.address
    const groups: string[] = []
    for (let i = 0; i < 16; i += 2) groups.push(((parts[i]! << 8) | parts[i + 1]!).toString(16))
    // Let the URL parser write the address in its canonical short form.
    const ip = new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1)
    const header = { kind: 'proxied', address: ip, port: address.sourcePort, family: 'IPv6' }
    return { kind: 'header', header: header as ProxyHeader, length }
  }
  // UNSPEC or unix sockets: no address to take, the connection's own peer stands (as LOCAL).
  return { kind: 'header', header: { kind: 'local' }, length }
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix)
}
