// A control plane and its data planes as operators run them: real processes, a real broker. A
// change made on the control plane reaches every data plane without a listener restart; data
// planes keep serving when the control plane goes away, and start from their cache if it is away.
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/local-stack/ports.ts'
import { createTopic, stack } from '../../support/kafka.ts'
import { startWeir, type WeirProcess } from '../../support/weir-process.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const OPS = 'cp-ops-token'
const DATA_PLANE = 'cp-dp-token'
const ALICE_KEY = 'cp-alice-key'

function controlPlaneYaml(topic: string): string {
  return `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
    producer: { lingerMs: 1 }
virtualClusters:
  - name: vc
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${sha256(ALICE_KEY)} }]
    policies: [acl]
policies:
  - name: acl
    kind: acl
    rules:
      - { principals: [alice], names: ['*'], operations: [produce] }
listeners:
  # Each data plane binds it to a port of its own (--listener-port).
  - name: public
    kind: http
    port: 8080
    routes:
      - { path: /orders, topic: ${topic}, virtualCluster: vc }
admin:
  port: \${PORT}
  tokens: [{ name: ops, sha256: ${sha256(OPS)} }]
  dataPlaneTokens: [{ name: fleet, sha256: ${sha256(DATA_PLANE)} }]
logging:
  level: info
`
}

type Node = WeirProcess & { port: number; file?: string }

function startControlPlane(options: { yaml?: string; file?: string; port?: number }) {
  return startWeir({ ...options, args: ['--role', 'control-plane'] })
}

async function startDataPlane(
  controlPlane: string,
  id: string,
  cacheFile?: string,
  startTimeoutMs?: number
) {
  const port = await freePort()
  return startWeir({
    port,
    startTimeoutMs,
    args: [
      '--role',
      'data-plane',
      '--control-plane',
      controlPlane,
      '--data-plane-id',
      id,
      '--poll-interval-ms',
      '300',
      '--listener-port',
      `public=${port}`,
      ...(cacheFile === undefined ? [] : ['--config-cache', cacheFile]),
    ],
    env: { WEIR_CONTROL_PLANE_TOKEN: DATA_PLANE },
  })
}

const produce = (node: Node) =>
  fetch(`${node.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': ALICE_KEY },
    body: '{"n":1}',
  }).then((res) => res.status)

const admin = (cp: Node, route: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${cp.url}${route}`, {
    ...init,
    headers: {
      authorization: `Bearer ${init.token ?? OPS}`,
      'content-type': 'application/json',
    },
  })

interface DataPlaneStatus {
  id: string
  token: string
  current: boolean
  stale: boolean
  health: string
  etag: string
  listeners: string[]
}

const dataPlanes = async (cp: Node) =>
  ((await (await admin(cp, '/v1/data-planes')).json()) as { items: DataPlaneStatus[] }).items

async function poll<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One HTTP/1.1 keep-alive connection, requests sent on it one at a time. */
class Connection {
  readonly #socket: Socket
  #buffer = Buffer.alloc(0)
  #wake: (() => void) | undefined

  constructor(port: number) {
    this.#socket = connect(port, '127.0.0.1')
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#wake?.()
    })
    this.#socket.on('close', () => this.#wake?.())
  }

  get closed(): boolean {
    return this.#socket.destroyed || this.#socket.readyState !== 'open'
  }

  async post(route: string, body: string, headers: Record<string, string>): Promise<number> {
    const head = Object.entries({
      host: 'localhost',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    this.#socket.write(`POST ${route} HTTP/1.1\r\n${head}\r\n${body}`)
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n')
      if (end >= 0) {
        const headText = this.#buffer.subarray(0, end).toString('latin1')
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headText)?.[1] ?? NaN)
        if (Number.isNaN(length)) throw new Error(`no content-length in\n${headText}`)
        if (this.#buffer.length >= end + 4 + length) {
          this.#buffer = this.#buffer.subarray(end + 4 + length)
          if (/\r\nconnection: *close/i.test(headText)) throw new Error('the server closes it')
          return Number(headText.split(' ')[1])
        }
      }
      if (this.#socket.destroyed) throw new Error('the connection closed')
      await new Promise<void>((resolve) => (this.#wake = resolve))
    }
  }

  close(): void {
    this.#socket.destroy()
  }
}

const dirs: string[] = []
const connections: Connection[] = []
afterEach(() => {
  for (const c of connections.splice(0)) c.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const started = (node: Node) => node.logs.filter((l) => l.msg === 'http listener started').length

describe('control plane and data planes', () => {
  it('pushes a live change to every data plane, which keep serving the last good config without it', async () => {
    const topic = await createTopic('fleet')
    const cp = await startControlPlane({ yaml: controlPlaneYaml(topic) })
    const dp1 = await startDataPlane(cp.url, 'dp-1')
    const dp2 = await startDataPlane(cp.url, 'dp-2')
    expect(await produce(dp1)).toBe(202)
    expect(await produce(dp2)).toBe(202)

    // Who may read what.
    expect((await admin(cp, '/v1/data-plane/config')).status).toBe(403)
    expect((await admin(cp, '/v1/data-planes', { token: DATA_PLANE })).status).toBe(403)
    const served = (await (
      await admin(cp, '/v1/data-plane/config', { token: DATA_PLANE })
    ).json()) as { config: Record<string, unknown> }
    expect(Object.keys(served.config)).not.toContain('admin')
    // Data planes get the secrets they need; operators never see them.
    expect(JSON.stringify(served.config)).toContain(sha256(ALICE_KEY))
    expect(await (await admin(cp, '/v1/config')).text()).not.toContain(sha256(ALICE_KEY))

    const fleet = await poll(
      () => dataPlanes(cp),
      (items) => items.length === 2 && items.every((i) => i.current)
    )
    expect(fleet.map((i) => i.id).sort()).toEqual(['dp-1', 'dp-2'])
    for (const item of fleet) {
      expect(item).toMatchObject({ token: 'fleet', health: 'ok', stale: false, current: true })
      expect(item.listeners).toEqual(['public'])
    }

    // A connection opened before the change, kept alive across it.
    const kept = new Connection(dp1.port)
    connections.push(kept)
    const send = () => kept.post('/orders', '{"n":2}', { 'x-api-key': ALICE_KEY })
    expect(await send()).toBe(202)

    const changed = await admin(cp, '/v1/policies/acl', {
      method: 'PUT',
      body: JSON.stringify({
        kind: 'acl',
        rules: [{ effect: 'deny', principals: ['alice'], names: ['*'], operations: ['produce'] }],
      }),
    })
    expect(changed.status).toBe(200)
    const { version } = (await changed.json()) as { version: { etag: string } }
    // Within a few poll intervals (300 ms each), and without a restart (checked below).
    await poll(
      async () => [await produce(dp1), await produce(dp2)],
      (statuses) => statuses.every((s) => s === 403),
      15_000
    )
    expect(await send()).toBe(403)
    expect(kept.closed).toBe(false)
    expect(started(dp1)).toBe(1)
    expect(started(dp2)).toBe(1)
    const after = await poll(
      () => dataPlanes(cp),
      (items) => items.every((i) => i.current && i.etag === version.etag)
    )
    expect(after).toHaveLength(2)

    // The control plane dies: the data planes keep the last good config, and say so.
    cp.child.kill('SIGKILL')
    await cp.exited
    for (const dp of [dp1, dp2]) {
      await dp.waitForLog(
        (l) => l.msg === 'control plane unreachable: serving the last good configuration',
        5000
      )
      expect(await produce(dp)).toBe(403)
    }

    // Back on the same port, from its file: the data planes report to it again. What was changed
    // through the admin API was held in memory: the control plane serves its file again, and the
    // data planes follow it.
    const again = await startControlPlane({ file: cp.file, port: cp.port })
    const back = await poll(
      () => dataPlanes(again),
      (items) => items.length === 2 && items.every((i) => i.current && !i.stale),
      20_000
    )
    expect(back.map((i) => i.id).sort()).toEqual(['dp-1', 'dp-2'])
    expect(back[0]?.etag).not.toBe(version.etag)
    await poll(
      async () => [await produce(dp1), await produce(dp2)],
      (statuses) => statuses.every((s) => s === 202)
    )
    // Said once when it went away, however many retries, and once when it came back.
    for (const dp of [dp1, dp2]) {
      const back = await dp.waitForLog((l) => l.msg === 'control plane reachable again', 5000)
      expect(back.unreachableMs).toBeGreaterThan(0)
      expect(back.failedAttempts).toBeGreaterThanOrEqual(1)
      const said = (msg: string) => dp.logs.filter((l) => l.msg === msg).length
      expect(said('control plane unreachable: serving the last good configuration')).toBe(1)
      expect(said('control plane reachable again')).toBe(1)
    }
    // (The kept connection is not used past this point: idle for longer than the server's
    // keep-alive timeout while the control plane was away, it may have been closed, as it should.)
    expect(started(dp1)).toBe(1)
  })

  it('starts a data plane from its config cache while the control plane is down', async () => {
    const topic = await createTopic('cached')
    const cp = await startControlPlane({ yaml: controlPlaneYaml(topic) })
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-cache-'))
    dirs.push(dir)
    const cacheFile = path.join(dir, 'config.json')

    // A first data plane fills the cache, with the config as the control plane changed it.
    const first = await startDataPlane(cp.url, 'dp-cache-1', cacheFile)
    const changed = await admin(cp, '/v1/policies/acl', {
      method: 'PUT',
      body: JSON.stringify({
        kind: 'acl',
        rules: [{ effect: 'deny', principals: ['alice'], names: ['*'], operations: ['produce'] }],
      }),
    })
    const { version } = (await changed.json()) as { version: { etag: string } }
    await poll(
      async () => (existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : {}),
      (cached: { etag?: string }) => cached.etag === version.etag
    )
    first.child.kill('SIGKILL')
    await first.exited
    cp.child.kill('SIGKILL')
    await cp.exited

    const second = await startDataPlane(cp.url, 'dp-cache-2', cacheFile)
    await second.waitForLog(
      (l) => l.msg === 'control plane unreachable: starting from the last good configuration',
      1000
    )
    expect(await produce(second)).toBe(403)

    // Without a cache, a data plane waits for the control plane, and says so.
    const none = startDataPlane(cp.url, 'dp-none', path.join(dir, 'missing.json'), 8000)
    const error = await none.then(
      () => undefined,
      (err: unknown) => (err as Error).message
    )
    expect(error).toMatch(/did not answer \/healthz/)
    expect(error).toContain('control plane unreachable and no cached configuration: waiting for it')
  })
})
