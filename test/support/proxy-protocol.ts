// PROXY protocol headers written by hand (not by the parser's library, so the tests check it
// against the spec), and a local TCP forwarder that puts one in front of every connection it
// passes to Weir, as a load balancer does.
import { isIP, createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'

export interface ProxiedClient {
  address: string
  port: number
}

const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

/** `PROXY TCP4 <src> <dst> <srcport> <dstport>\r\n`. */
export function proxyHeaderV1(client: ProxiedClient, destination: ProxiedClient): Buffer {
  const proto = isIP(client.address) === 6 ? 'TCP6' : 'TCP4'
  return Buffer.from(
    `PROXY ${proto} ${client.address} ${destination.address} ${client.port} ${destination.port}\r\n`,
    'latin1'
  )
}

/** A binary v2 PROXY (or LOCAL) header over TCP, with optional TLVs after the addresses. */
export function proxyHeaderV2(
  client: ProxiedClient,
  destination: ProxiedClient,
  options: { tlvs?: Buffer; local?: boolean } = {}
): Buffer {
  const v6 = isIP(client.address) === 6
  const addresses = v6
    ? Buffer.concat([ipv6Bytes(client.address), ipv6Bytes(destination.address)])
    : Buffer.from([...client.address.split('.'), ...destination.address.split('.')].map(Number))
  const ports = Buffer.alloc(4)
  ports.writeUInt16BE(client.port, 0)
  ports.writeUInt16BE(destination.port, 2)
  const tlvs = options.tlvs ?? Buffer.alloc(0)
  const body = Buffer.concat([addresses, ports, tlvs])
  const fixed = Buffer.from([
    ...V2_SIGNATURE,
    options.local ? 0x20 : 0x21,
    v6 ? 0x21 : 0x11,
    body.length >> 8,
    body.length & 0xff,
  ])
  return Buffer.concat([fixed, body])
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  const bytes = Buffer.alloc(16)
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2))
  return bytes
}

export interface ProxyForwarder {
  port: number
  close(): Promise<void>
}

/**
 * Listens on 127.0.0.1 and forwards every connection to `target`, first writing a header that
 * names `client` as the connection's source (v1 text or v2 binary).
 */
export async function startProxyForwarder(options: {
  target: { host: string; port: number }
  client: ProxiedClient
  version: 1 | 2
}): Promise<ProxyForwarder> {
  const open = new Set<Socket>()
  const server: Server = createServer((inbound) => {
    open.add(inbound)
    inbound.on('close', () => open.delete(inbound))
    const outbound = connect(options.target.port, options.target.host)
    const destination = { address: options.target.host, port: options.target.port }
    outbound.write(
      options.version === 1
        ? proxyHeaderV1(options.client, destination)
        : proxyHeaderV2(options.client, destination)
    )
    inbound.pipe(outbound).pipe(inbound)
    inbound.on('error', () => outbound.destroy())
    outbound.on('error', () => inbound.destroy())
    inbound.on('close', () => outbound.destroy())
    outbound.on('close', () => inbound.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        // Connections still open would hold close() back.
        for (const socket of open) socket.destroy()
      }),
  }
}
