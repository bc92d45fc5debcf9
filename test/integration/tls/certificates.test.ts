// Certificates chosen by server name and reloaded from disk, on a real node:tls server and on an
// HTTPS listener: each name gets its certificate, a rewritten file serves the next handshakes,
// and a connection opened before the swap goes on exchanging data over its session.
import { readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { request } from 'node:https'
import {
  createServer,
  connect as tlsConnect,
  type PeerCertificate,
  type Server,
  type TLSSocket,
} from 'node:tls'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpListener } from '../../../src/config/schema/listeners.ts'
import { startHttpListener, type RunningHttpListener } from '../../../src/http/http-listener.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { serverCertificates, type ServerCertificates } from '../../../src/tls/certificates.ts'
import { testCa } from '../../support/tls.ts'

const ca = testCa('weir-reload-')
const logger = createLogger({ level: 'silent' })
const files = {
  default: ca.issue('default', ['gateway.example']),
  a: ca.issue('a', ['*.a.example']),
  b: ca.issue('b', ['*.b.example']),
}
const tls = {
  ...files.default,
  certificates: [files.a, files.b],
  reloadIntervalMs: 100,
  requireClientCert: false,
}

/** Connects with `servername` (none: undefined), resolving with the open socket. */
function open(port: number, servername: string | undefined): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: ca.ca,
      servername,
      // The default certificate does not name what this test asks for: checked below instead.
      checkServerIdentity: () => undefined,
    })
    socket.once('secureConnect', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** The certificate a handshake with `servername` gets. */
async function certificateFor(port: number, servername: string | undefined) {
  const socket = await open(port, servername)
  const certificate: PeerCertificate = socket.getPeerCertificate()
  socket.destroy()
  return certificate
}

function echo(socket: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (d: Buffer) => resolve(d.toString()))
    socket.write(text)
  })
}

/** Polls until `probe` answers `wanted` (the reload runs every 100 ms); fails after 10 s. */
async function eventually<T>(probe: () => Promise<T>, wanted: T): Promise<void> {
  const until = Date.now() + 10_000
  let got = await probe()
  while (got !== wanted) {
    if (Date.now() > until) throw new Error(`still ${String(got)}, not ${String(wanted)}`)
    await new Promise((r) => setTimeout(r, 50))
    got = await probe()
  }
}

describe('serverCertificates on a TLS server', () => {
  let server: Server
  let store: ServerCertificates
  let detach: () => void
  let port = 0

  beforeAll(async () => {
    store = serverCertificates(tls, logger)
    server = createServer(store.options, (socket) => {
      socket.on('data', (d: Buffer) => socket.write(`echo ${d}`))
      socket.on('error', () => {})
    })
    detach = store.attach(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    detach()
    await new Promise((resolve) => server.close(resolve))
  })

  it.each([
    ['x.a.example', 'DNS:*.a.example'],
    ['broker-2.B.Example', 'DNS:*.b.example'],
    ['y.x.a.example', 'DNS:gateway.example'],
    ['unknown.example', 'DNS:gateway.example'],
    [undefined, 'DNS:gateway.example'],
  ])('serves %s the certificate naming %s', async (servername, names) => {
    expect((await certificateFor(port, servername)).subjectaltname).toBe(names)
  })

  it('serves a rewritten certificate to new connections, while an open one goes on', async () => {
    const before = await open(port, 'kept.a.example')
    const oldSerial = before.getPeerCertificate().serialNumber
    expect(await echo(before, 'one')).toBe('echo one')

    renameSync(ca.renew('a'), files.a.certFile) // atomically, as a secret volume swaps
    await eventually(
      async () => (await certificateFor(port, 'x.a.example')).serialNumber !== oldSerial,
      true
    )
    const renewed = await certificateFor(port, 'x.a.example')
    expect(renewed.subjectaltname).toBe('DNS:*.a.example')

    // The connection opened before the swap keeps its session and its certificate.
    expect(await echo(before, 'two')).toBe('echo two')
    expect(before.getPeerCertificate().serialNumber).toBe(oldSerial)
    before.destroy()
  })

  it('resumes a TLS session begun before a reload (the ticket keys stay)', async () => {
    const first = await open(port, 'resume.b.example')
    const session = await new Promise<Buffer>((resolve) => first.once('session', resolve))
    first.destroy()
    const oldSerial = (await certificateFor(port, 'x.b.example')).serialNumber
    renameSync(ca.renew('b'), files.b.certFile)
    await eventually(
      async () => (await certificateFor(port, 'x.b.example')).serialNumber !== oldSerial,
      true
    )
    const resumed = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port, ca: ca.ca, servername: 'resume.b.example', session },
        () => resolve(socket)
      )
      socket.once('error', reject)
    })
    expect(resumed.isSessionReused()).toBe(true)
    resumed.destroy()
  })

  it('serves a rewritten default certificate to clients without a name', async () => {
    const oldSerial = (await certificateFor(port, undefined)).serialNumber
    renameSync(ca.renew('default'), files.default.certFile)
    await eventually(
      async () => (await certificateFor(port, undefined)).serialNumber !== oldSerial,
      true
    )
    expect((await certificateFor(port, 'b.b.example')).subjectaltname).toBe('DNS:*.b.example')
  })
})

describe('serverCertificates with client certificates required', () => {
  it('verifies the client certificate on a certificate chosen by name too', async () => {
    const client = ca.issueClient('tenant-client')
    const store = serverCertificates(
      {
        ...tls,
        reloadIntervalMs: 0,
        clientCaFile: path.join(ca.dir, 'ca.crt'),
        requireClientCert: true,
      },
      logger
    )
    const server = createServer(store.options, (socket) => {
      socket.end(`${socket.authorized} ${socket.getPeerCertificate().subject?.CN}`)
    })
    const detach = store.attach(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    try {
      const answer = (servername: string, withCertificate: boolean) =>
        new Promise<string>((resolve, reject) => {
          const socket = tlsConnect({
            host: '127.0.0.1',
            port,
            ca: ca.ca,
            servername,
            ...(withCertificate
              ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) }
              : {}),
          })
          let got = ''
          socket.on('data', (d: Buffer) => (got += d.toString()))
          socket.on('end', () => resolve(got))
          socket.on('error', reject)
        })
      expect(await answer('x.a.example', true)).toBe('true tenant-client')
      expect(await answer('gateway.example', true)).toBe('true tenant-client')
      await expect(answer('x.a.example', false)).rejects.toMatchObject({
        code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      })
    } finally {
      detach()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('an HTTPS listener', () => {
  let listener: RunningHttpListener
  let port = 0
  const files = { default: ca.issue('web', ['web.example']), api: ca.issue('api', ['api.example']) }

  beforeAll(async () => {
    const config = HttpListener.parse({
      kind: 'http',
      name: 'web',
      port: 0,
      tls: { ...files.default, certificates: [files.api], reloadIntervalMs: 100 },
    })
    const app = new Hono().get('/', (c) => c.text('ok'))
    listener = await startHttpListener(config, app, {}, logger)
    port = Number(new URL(listener.url).port)
  })

  afterAll(() => listener.close())

  /** GET / with `servername`: the answer and the serial of the certificate it came with. */
  const get = (servername: string) =>
    new Promise<{ body: string; serial: string; names: string | undefined }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', ca: ca.ca, servername, agent: false },
        (res) => {
          const certificate = (res.socket as TLSSocket).getPeerCertificate()
          let body = ''
          res.on('data', (d: Buffer) => (body += d.toString()))
          res.on('end', () =>
            resolve({ body, serial: certificate.serialNumber, names: certificate.subjectaltname })
          )
        }
      )
      req.on('error', reject)
      req.end()
    })

  it('serves each name its certificate, and a renewed one without a restart', async () => {
    expect(await get('web.example')).toMatchObject({ body: 'ok', names: 'DNS:web.example' })
    const api = await get('api.example')
    expect(api).toMatchObject({ body: 'ok', names: 'DNS:api.example' })

    renameSync(ca.renew('api'), files.api.certFile)
    await eventually(async () => (await get('api.example')).serial !== api.serial, true)
    expect(await get('api.example')).toMatchObject({ body: 'ok', names: 'DNS:api.example' })
  })
})
