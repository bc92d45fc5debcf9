// The PROXY header framing and parse, against headers written by hand from HAProxy's spec.
import { describe, expect, it } from 'vitest'
import { scanProxyHeader } from '../../../src/protocol/proxy-header/index.ts'
import { proxyHeaderV1, proxyHeaderV2 } from '../../support/proxy-protocol.ts'

const client = { address: '203.0.113.7', port: 51234 }
const gateway = { address: '127.0.0.1', port: 9092 }
const payload = Buffer.from('GET / HTTP/1.1\r\n')

describe('scanProxyHeader', () => {
  it.each([
    ['v1', proxyHeaderV1(client, gateway)],
    ['v2', proxyHeaderV2(client, gateway)],
    // TLVs (here a 4-byte PP2_TYPE_AUTHORITY) belong to the header, not to the client's bytes.
    ['v2 with a TLV', proxyHeaderV2(client, gateway, { tlvs: Buffer.from([0x02, 0, 1, 0x61]) })],
  ])('finds the client and the header’s end in %s', (_, header) => {
    expect(scanProxyHeader(Buffer.concat([header, payload]))).toEqual({
      kind: 'header',
      header: { kind: 'proxied', address: '203.0.113.7', port: 51234, family: 'IPv4' },
      length: header.length,
    })
  })

  it.each([1, 2] as const)('reads IPv6 clients in v%d', (version) => {
    const v6 = { address: '2001:db8::7', port: 443 }
    const to = { address: '::1', port: 9092 }
    const header = version === 1 ? proxyHeaderV1(v6, to) : proxyHeaderV2(v6, to)
    expect(scanProxyHeader(header)).toMatchObject({
      header: { kind: 'proxied', address: '2001:db8::7', port: 443, family: 'IPv6' },
      length: header.length,
    })
  })

  it('takes LOCAL (v2) and UNKNOWN (v1) as no client: the peer stands', () => {
    const local = proxyHeaderV2(client, gateway, { local: true })
    expect(scanProxyHeader(local)).toEqual({
      kind: 'header',
      header: { kind: 'local' },
      length: local.length,
    })
    expect(scanProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({
      kind: 'header',
      header: { kind: 'local' },
      length: 15,
    })
  })

  it('asks for more bytes until a header can be told apart, and sees none in other bytes', () => {
    const header = proxyHeaderV2(client, gateway)
    expect(scanProxyHeader(header.subarray(0, 5))).toEqual({ kind: 'more' })
    expect(scanProxyHeader(header.subarray(0, 20))).toEqual({ kind: 'more' })
    expect(scanProxyHeader(Buffer.from('PROX'))).toEqual({ kind: 'more' })
    expect(scanProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7'))).toEqual({ kind: 'more' })
    expect(scanProxyHeader(payload)).toEqual({ kind: 'none' })
    // A Kafka request and a TLS ClientHello start otherwise.
    expect(scanProxyHeader(Buffer.from([0, 0, 0, 20, 0, 18]))).toEqual({ kind: 'none' })
    expect(scanProxyHeader(Buffer.from([0x16, 0x03, 0x01]))).toEqual({ kind: 'none' })
  })

  it('refuses malformed headers with the reason', () => {
    expect(scanProxyHeader(Buffer.from(`PROXY TCP4 ${'9'.repeat(120)}`))).toEqual({
      kind: 'invalid',
      reason: 'PROXY v1 header without CRLF in 107 bytes',
    })
    expect(scanProxyHeader(Buffer.from('PROXY TCP4 nonsense\r\n'))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('PROXY v1 header') as string,
    })
    const v3 = proxyHeaderV2(client, gateway)
    v3[12] = 0x31
    expect(scanProxyHeader(v3)).toEqual({
      kind: 'invalid',
      reason: 'PROXY header of an unknown version',
    })
  })
})
