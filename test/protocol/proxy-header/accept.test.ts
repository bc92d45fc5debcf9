// PROXY protocol in front of a real node:http server: the client a trusted header names is the
// request's remoteAddress; a trusted peer without a header, an untrusted one with a header, or a
// malformed header is closed and reported, as HAProxy's spec asks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { acceptProxyProtocol, trustedSources } from '../../../src/protocol/proxy-header/index.ts'
import { stackTls } from '../../../scripts/local-stack/tls.ts'
import { proxyHeaderV1, proxyHeaderV2 } from '../../support/proxy-protocol.ts'

const client = { address: '203.0.113.7', port: 40001 }
const request = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
let server: Server | undefined
const refusals: string[] = []

afterEach(async () => {
  refusals.length = 0
  await new Promise((resolve) => server?.close(resolve))
})

async function start(trusted: string[]): Promise<number> {
  server = createServer((req, res) =>
    res.end(`${req.socket.remoteAddress}:${req.socket.remotePort}`)
  )
  acceptProxyProtocol(
    server,
    { trustedSources: trustedSources(trusted), headerTimeoutMs: 2000 },
    (_peer, reason) => refusals.push(reason)
  )
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** Sends `chunks` (a few ms apart, so a header can arrive split) and returns all it got back. */
function exchange(port: number, chunks: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    socket.on('data', (d: Buffer) => (got += d.toString()))
    socket.on('close', () => resolve(got))
    socket.on('error', reject)
    let i = 0
    const next = () => {
      const chunk = chunks[i++]
      if (chunk !== undefined) socket.write(chunk, () => setTimeout(next, 5))
    }
    socket.on('connect', next)
  })
}

const body = (response: string) => response.slice(response.indexOf('\r\n\r\n') + 4)
const gateway = { address: '127.0.0.1', port: 80 }

describe('acceptProxyProtocol', () => {
  it.each([
    ['v1', proxyHeaderV1(client, gateway)],
    ['v2', proxyHeaderV2(client, gateway)],
  ])('takes the %s header of a trusted source as the client address', async (_, header) => {
    const port = await start(['127.0.0.0/8'])
    expect(body(await exchange(port, [Buffer.concat([header, request])]))).toBe('203.0.113.7:40001')
  })

  it('reads a header that arrives in pieces', async () => {
    const port = await start(['127.0.0.1'])
    const header = proxyHeaderV2(client, gateway)
    const chunks = [
      header.subarray(0, 7),
      header.subarray(7, 20),
      Buffer.concat([header.subarray(20), request]),
    ]
    expect(body(await exchange(port, chunks))).toBe('203.0.113.7:40001')
  })

  it('refuses a trusted source that sends no header', async () => {
    const port = await start(['127.0.0.1'])
    expect(await exchange(port, [request])).toBe('')
    expect(refusals).toEqual(['a trusted source sent no PROXY protocol header'])
  })

  it('refuses a header from a source that is not trusted, and serves its plain requests', async () => {
    const port = await start(['10.0.0.0/8'])
    const header = proxyHeaderV1(client, gateway)
    expect(await exchange(port, [Buffer.concat([header, request])])).toBe('')
    expect(refusals).toEqual(['PROXY protocol header from a source that is not trusted'])
    expect(body(await exchange(port, [request]))).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  it('reads the header ahead of the TLS handshake, and the TLS socket reports the client', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-proxy-tls-'))
    try {
      const tls = stackTls(dir)
      const pem = readFileSync(tls.serverKeystoreFile)
      server = createHttpsServer({ cert: pem, key: pem }, (req, res) =>
        res.end(`${req.socket.remoteAddress}:${req.socket.remotePort}`)
      )
      acceptProxyProtocol(
        server,
        { trustedSources: trustedSources(['127.0.0.1']), headerTimeoutMs: 2000 },
        (_peer, reason) => refusals.push(reason)
      )
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as AddressInfo).port
      const answer = await new Promise<string>((resolve, reject) => {
        const raw = connect(port, '127.0.0.1', () => {
          raw.write(proxyHeaderV2(client, gateway))
          const secure = tlsConnect({
            socket: raw,
            ca: readFileSync(tls.caFile),
            servername: 'localhost',
          })
          let got = ''
          secure.on('secureConnect', () => secure.write(request))
          secure.on('data', (d: Buffer) => (got += d.toString()))
          secure.on('close', () => resolve(got))
          secure.on('error', reject)
        })
      })
      expect(body(answer)).toBe('203.0.113.7:40001')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a malformed header', async () => {
    const port = await start(['127.0.0.1'])
    expect(await exchange(port, [Buffer.from('PROXY TCP4 oops\r\n'), request])).toBe('')
    expect(refusals).toEqual([expect.stringContaining('PROXY v1 header')])
  })
})
