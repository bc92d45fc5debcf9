// The operations listener of a data plane (GET /metrics, /healthz, /readyz on its own port), in
// process and without a broker: it is up while the data plane still waits for its control plane.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { NOBODY } from '../support/ports.ts'
import {
  startControlPlane,
  startDataPlane,
  startStandalone,
  type RunningNode,
} from '../../src/node/roles.ts'

const pending: Promise<unknown>[] = []
const nodes: RunningNode[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.allSettled(pending.splice(0))
  for (const node of nodes.splice(0)) await node.stop()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Fetches `url` once the listener behind it is up (it starts in the background). */
async function whenUp(url: string): Promise<Response> {
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      return await fetch(url)
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}

/** What a new TCP connection to the port meets: 'connected', or the error code. */
function connectTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

describe('operations listener of a data plane', () => {
  it('serves metrics and health while the control plane is away: alive, not ready', async () => {
    const port = await freePort()
    const starting = startDataPlane({
      controlPlane: `http://${NOBODY}`,
      token: 'dp',
      bootDeadlineMs: 1500,
      operations: { host: '127.0.0.1', port },
    })
    pending.push(starting)
    const base = `http://127.0.0.1:${port}`

    const metrics = await whenUp(`${base}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await metrics.text()
    expect(text).toContain('# TYPE weir_config_reloads_total counter')
    expect(text).toMatch(/^weir_process_cpu_seconds_total/m)

    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({
      status: 503,
      detail: 'still reading: the configuration from the control plane',
    })

    // Giving up on the control plane ends the process's start, and the listener with it.
    await expect(starting).rejects.toThrow('fetch failed')
    expect(await connectTo(port)).toBe('ECONNREFUSED')
  }, 20_000)
})

/** A config file: an unreachable backend, one http listener, an admin listener. */
function configFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-operations-'))
  dirs.push(dir)
  const file = path.join(dir, 'weir.yaml')
  const sha256 = createHash('sha256').update('ops').digest('hex')
  writeFileSync(
    file,
    stringify({
      backendClusters: [{ name: 'main', bootstrapServers: ['127.0.0.1:1'] }],
      virtualClusters: [{ name: 'vc', backendCluster: 'main' }],
      listeners: [{ name: 'public', kind: 'http', port: 0 }],
      admin: { port: 0, tokens: [{ name: 'ops', sha256 }] },
      logging: { level: 'fatal' },
    })
  )
  return file
}

/** The operations listener's URL among a node's addresses. */
function operationsUrl(node: RunningNode): string {
  const entry = node.urls.find((u) => u.startsWith('operations '))
  expect(entry).toMatch(/^operations http:\/\/127\.0\.0\.1:\d+$/)
  return (entry as string).slice('operations '.length)
}

describe('operations listener of the other roles', () => {
  it('on a control plane: its metrics, and ready while it serves', async () => {
    const node = await startControlPlane({
      file: configFile(),
      watch: false,
      operations: { host: '127.0.0.1', port: 0 },
    })
    nodes.push(node)
    const base = operationsUrl(node)
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^weir_config_generation 1$/m)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', backendClusters: {} })
  })

  it('standalone: the readiness of its gateway, as its http listeners answer it', async () => {
    const node = await startStandalone({
      file: configFile(),
      watch: false,
      operations: { host: '127.0.0.1', port: 0 },
    })
    nodes.push(node)
    const base = operationsUrl(node)
    expect((await fetch(`${base}/metrics`)).status).toBe(200)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ detail: 'cannot reach backend cluster "main"' })
  })
})
