// The control plane and data plane roles in process (no broker needed: backends are reached on
// first use): what the control plane accepts and serves, and how a data plane binds its listeners.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startControlPlane, startDataPlane, type RunningNode } from '../../src/node/roles.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

const nodes: RunningNode[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const node of nodes.splice(0).reverse()) await node.stop()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function document(): Record<string, unknown> {
  return {
    backendClusters: [{ name: 'main', bootstrapServers: ['127.0.0.1:1'] }],
    virtualClusters: [{ name: 'vc', backendCluster: 'main' }],
    listeners: [{ name: 'public', kind: 'http', port: 1 }],
    admin: {
      port: 0,
      tokens: [{ name: 'ops', sha256: sha256('ops') }],
      dataPlaneTokens: [{ name: 'fleet', sha256: sha256('dp') }],
    },
    logging: { level: 'fatal' },
  }
}

async function controlPlane() {
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-roles-'))
  dirs.push(dir)
  const file = path.join(dir, 'weir.yaml')
  writeFileSync(file, stringify(document()))
  const node = await startControlPlane({ file, watch: false })
  nodes.push(node)
  expect(node.urls).toHaveLength(1)
  const url = (node.urls[0] as string).replace(/^admin /, '')
  const admin = (route: string, init: RequestInit = {}, token = 'ops') =>
    fetch(`${url}${route}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    })
  return { node, url, admin }
}

describe('control plane role', () => {
  it('refuses a document without an admin section: it would close the only way in', async () => {
    const { admin } = await controlPlane()
    const { config } = (await (await admin('/v1/config')).json()) as {
      config: Record<string, unknown>
    }
    const { admin: _admin, ...withoutAdmin } = config
    const res = await admin('/v1/config', { method: 'PUT', body: JSON.stringify(withoutAdmin) })
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({
      issues: [{ path: '', message: 'a control plane needs an "admin" section (its listener)' }],
    })
    expect((await admin('/v1/config/version')).status).toBe(200)
  })

  it('serves data planes the document without its own admin section', async () => {
    const { admin } = await controlPlane()
    const res = await admin('/v1/data-plane/config', {}, 'dp')
    expect(res.status).toBe(200)
    const { config } = (await res.json()) as { config: Record<string, unknown> }
    expect(config).not.toHaveProperty('admin')
    expect(config).toMatchObject({ listeners: [{ name: 'public', port: 1 }] })
  })
})

describe('data plane role', () => {
  it('binds a listener to the port given for this data plane, and stays current', async () => {
    const { url, admin } = await controlPlane()
    const port = await freePort()
    const dp = await startDataPlane({
      controlPlane: url,
      token: 'dp',
      id: 'dp-a',
      pollIntervalMs: 100,
      listenerPorts: { public: port, missing: 1234 },
    })
    nodes.push(dp)
    expect(dp.urls).toEqual([`http://127.0.0.1:${port}`])
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)

    // A change that reaches the data plane keeps its own port, and it reports the version.
    const { version } = (await (
      await admin('/v1/listeners/public/routes', {
        method: 'POST',
        body: JSON.stringify({ path: '/orders', topic: 'orders', virtualCluster: 'vc' }),
      })
    ).json()) as { version: { etag: string } }
    const deadline = Date.now() + 5000
    for (;;) {
      const { items } = (await (await admin('/v1/data-planes')).json()) as {
        items: { id: string; etag: string; current: boolean }[]
      }
      if (items[0]?.etag === version.etag) {
        expect(items).toMatchObject([{ id: 'dp-a', current: true }])
        break
      }
      if (Date.now() > deadline) throw new Error(`data plane not current: ${JSON.stringify(items)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    // The new route is served on the data plane's own port: whatever the unreachable backend makes
    // of the request, it is not the 404 of an unknown path.
    const produced = await fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST', body: '{}' })
    expect(produced.status).not.toBe(404)
  })

  it('serves its metrics and readiness on its operations listener once it runs', async () => {
    const { url } = await controlPlane()
    const dp = await startDataPlane({
      controlPlane: url,
      token: 'dp',
      listenerPorts: { public: 0 },
      operations: { host: '127.0.0.1', port: 0 },
    })
    nodes.push(dp)
    const operations = dp.urls.find((u) => u.startsWith('operations '))?.slice('operations '.length)
    expect(operations).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const metrics = await (await fetch(`${operations}/metrics`)).text()
    expect(metrics).toMatch(/^weir_config_generation 1$/m)
    expect((await fetch(`${operations}/healthz`)).status).toBe(200)
    // Readiness is the gateway's now: its one backend cluster cannot be reached.
    const ready = await fetch(`${operations}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ detail: 'cannot reach backend cluster "main"' })
  })
})

describe('admin listener', () => {
  it('stays where it is when the address it is moved to is taken', async () => {
    const { url, admin } = await controlPlane()
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = (taken.address() as AddressInfo).port
      const { config } = (await (await admin('/v1/config')).json()) as {
        config: { admin: Record<string, unknown> }
      }
      config.admin.port = port
      const res = await admin('/v1/config', { method: 'PUT', body: JSON.stringify(config) })
      expect(res.status).toBe(200)
      // Give the move its chance to fail, then the API must still answer where it was.
      await new Promise((r) => setTimeout(r, 300))
      const version = await fetch(`${url}/v1/config/version`, {
        headers: { authorization: 'Bearer ops' },
      })
      expect(version.status).toBe(200)
      expect(await version.json()).toMatchObject({ generation: 2 })
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })
})
