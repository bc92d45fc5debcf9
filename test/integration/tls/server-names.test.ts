// Server names refused during the TLS handshake, on a real node:tls server: Node's client and
// openssl s_client see the unrecognized_name alert (handshake_failure without a name), a served
// name completes the handshake, and a PROXY protocol header in front is read first.
import { execFile } from 'node:child_process'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { createServer, connect as tlsConnect, type Server, type TLSSocket } from 'node:tls'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { acceptProxyProtocol, trustedSources } from '../../../src/protocol/proxy-header/index.ts'
import { acceptServerNames } from '../../../src/tls/server-names.ts'
import { alertRecord, TlsAlert } from '../../../src/tls/client-hello.ts'
import { startProxyForwarder, type ProxyForwarder } from '../../support/proxy-protocol.ts'
import { captureClientHello, testCa } from '../../support/tls.ts'

interface Refusal {
  peer: string
  serverName: string | undefined
  reason: string
}

const ca = testCa('weir-sni-')
const refusals: Refusal[] = []
const servers: Server[] = []
let direct = 0
let proxied = 0
let forwarder: ProxyForwarder

/** A TLS server for *.served.example answering `<client address> <data>` to what it gets. */
async function start(proxyProtocol: boolean): Promise<number> {
  const { certFile, keyFile } = ca.issue('served', ['*.served.example'])
  const server = createServer(
    { cert: readFileSync(certFile), key: readFileSync(keyFile) },
    (socket: TLSSocket) => {
      socket.on('data', (data: Buffer) => socket.write(`${socket.remoteAddress} ${data}`))
      socket.on('error', () => {})
    }
  )
  acceptServerNames(
    server,
    { serves: (name) => name?.endsWith('.served.example') ?? false, helloTimeoutMs: 500 },
    (peer, serverName, reason) => refusals.push({ peer, serverName, reason })
  )
  if (proxyProtocol) {
    acceptProxyProtocol(
      server,
      { trustedSources: trustedSources(['127.0.0.1']), headerTimeoutMs: 2_000 },
      (peer, reason) => refusals.push({ peer, serverName: undefined, reason })
    )
  }
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  direct = await start(false)
  proxied = await start(true)
  forwarder = await startProxyForwarder({
    target: { host: '127.0.0.1', port: proxied },
    client: { address: '203.0.113.9', port: 40_009 },
    version: 2,
  })
})

afterAll(async () => {
  await forwarder.close()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

beforeEach(() => {
  refusals.length = 0
})

/** Handshakes with `servername` (none: undefined), sends `ping`, resolves with the answer. */
function ping(port: number, servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: ca.ca, servername })
    socket.once('secureConnect', () => socket.write('ping'))
    socket.once('data', (data: Buffer) => {
      resolve(data.toString())
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

/** Writes `chunks` a few ms apart on a plain TCP connection; resolves with all it got back. */
function raw(port: number, chunks: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1')
    let got = Buffer.alloc(0)
    socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])))
    socket.on('close', () => resolve(got))
    socket.on('error', reject)
    let i = 0
    const next = (): void => {
      const chunk = chunks[i++]
      if (chunk !== undefined) socket.write(chunk, () => setTimeout(next, 5))
    }
    socket.on('connect', next)
  })
}

describe('acceptServerNames on a TLS server', () => {
  it('completes the handshake for a served name and passes the data on', async () => {
    await expect(ping(direct, 'broker-1.served.example')).resolves.toBe('127.0.0.1 ping')
    expect(refusals).toEqual([])
  })

  it('refuses an unknown name with the unrecognized_name alert', async () => {
    const failed = ping(direct, 'unknown.example')
    await expect(failed).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME',
      message: expect.stringMatching(/tlsv1 unrecognized name.*SSL alert number 112/) as unknown,
    })
    expect(refusals).toEqual([
      {
        peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown,
        serverName: 'unknown.example',
        reason: 'TLS server name not served here',
      },
    ])
  })

  it('refuses a ClientHello without a server name with handshake_failure', async () => {
    await expect(ping(direct, undefined)).rejects.toMatchObject({
      // OpenSSL 3.5's names for alert 40 (Node 24).
      code: 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE',
      message: expect.stringMatching(
        /ssl\/tls alert handshake failure.*SSL alert number 40/
      ) as unknown,
    })
    expect(refusals).toMatchObject([{ serverName: undefined, reason: 'no TLS server name (SNI)' }])
  })

  it('shows openssl s_client the alert', async () => {
    const output = await new Promise<string>((resolve) => {
      const child = execFile(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${direct}`, '-servername', 'unknown.example'],
        { timeout: 10_000 },
        (_err, stdout, stderr) => resolve(`${stdout}${stderr}`)
      )
      child.stdin?.end()
    })
    expect(output).toMatch(/tlsv1 unrecognized name.*SSL alert number 112/)
    expect(refusals).toMatchObject([{ serverName: 'unknown.example' }])
  })

  it('reads a ClientHello sent over several TCP chunks, and answers only the alert', async () => {
    const hello = await captureClientHello({ servername: 'other.example' })
    const chunks = [hello.subarray(0, 3), hello.subarray(3, 200), hello.subarray(200)]
    const answer = await raw(direct, chunks)
    expect(answer.toString('hex')).toBe(alertRecord(TlsAlert.unrecognizedName).toString('hex'))
    expect(refusals).toMatchObject([{ serverName: 'other.example' }])
  })

  it('closes a connection that does not speak TLS, answering nothing', async () => {
    const answer = await raw(direct, [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])
    expect(answer.length).toBe(0)
    expect(refusals).toMatchObject([{ reason: 'not TLS (first byte 0x47)' }])
  })

  it('closes a connection that sends no ClientHello in time', async () => {
    const answer = await raw(direct, [Buffer.from([0x16, 3, 1])])
    expect(answer.length).toBe(0)
    expect(refusals).toMatchObject([{ reason: 'no TLS ClientHello within 500 ms' }])
  })
})

describe('acceptServerNames behind PROXY protocol', () => {
  it('serves a served name, and the TLS socket reports the client the header named', async () => {
    await expect(ping(forwarder.port, 'b.served.example')).resolves.toBe('203.0.113.9 ping')
    expect(refusals).toEqual([])
  })

  it('refuses an unknown name with the alert, naming the proxied client', async () => {
    await expect(ping(forwarder.port, 'unknown.example')).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME',
    })
    expect(refusals).toEqual([
      {
        peer: '203.0.113.9:40009',
        serverName: 'unknown.example',
        reason: 'TLS server name not served here',
      },
    ])
  })
})
