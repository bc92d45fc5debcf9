// `weir start --role data-plane --workers 2`: the data plane's primary pulls the configuration
// from a real control plane and runs it in two workers sharing the port; a change made on the
// control plane reaches both workers, the control plane sees the data plane current, and
// SIGTERM drains both.
import { createHash } from 'node:crypto'
import { Agent, request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/local-stack/ports.ts'
import { createTopic, stack } from '../../support/kafka.ts'
import { startWeir } from '../../support/weir-process.ts'
import { drainedWorkers } from './workers-clients.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const OPS = 'workers-ops-token'
const FLEET = 'workers-dp-token'
const KEY = 'workers-alice-key'

function controlPlaneYaml(topic: string, port: number): string {
  return `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
virtualClusters:
  - name: vc
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${sha256(KEY)} }]
    policies: [acl]
policies:
  - name: acl
    kind: acl
    rules:
      - { principals: [alice], names: ['*'], operations: [produce] }
listeners:
  - name: public
    kind: http
    port: ${port}
    routes:
      - { path: /orders, topic: ${topic}, virtualCluster: vc, delivery: { mode: async } }
admin:
  port: \${PORT}
  tokens: [{ name: ops, sha256: ${sha256(OPS)} }]
  dataPlaneTokens: [{ name: fleet, sha256: ${sha256(FLEET)} }]
`
}

/** POSTs one event over a connection of its own: round-robin gives each to the next worker. */
function post(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/orders',
        method: 'POST',
        agent: new Agent({ keepAlive: false }),
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      },
      (res) => {
        res.resume()
        res.once('end', () => resolve(res.statusCode ?? 0))
      }
    )
    req.once('error', reject)
    req.end('{"n":1}')
  })
}

async function posts(port: number, count: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < count; i++) statuses.push(await post(port))
  return statuses
}

/** The values of `name` by worker, from the data plane primary's /metrics. */
async function perWorker(metricsPort: number, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const found: Record<string, number> = {}
  for (const m of text.matchAll(new RegExp(`^${name}\\{worker="(\\d+)"\\} (\\S+)$`, 'gm'))) {
    found[m[1] as string] = Number(m[2])
  }
  return found
}

describe('weir start --role data-plane --workers 2', () => {
  it('runs the control plane configuration on both workers and applies its changes on both', async () => {
    const topic = await createTopic('workers-dp')
    const publicPort = await freePort()
    const cp = await startWeir({
      yaml: controlPlaneYaml(topic, publicPort),
      args: ['--role', 'control-plane'],
    })
    const admin = (route: string, init: RequestInit = {}) =>
      fetch(`${cp.url}${route}`, {
        ...init,
        headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/json' },
      })
    const metricsPort = await freePort()
    const dp = await startWeir({
      port: metricsPort, // /healthz of the operations listener
      args: [
        '--role',
        'data-plane',
        '--control-plane',
        cp.url,
        '--data-plane-id',
        'dp-workers',
        '--poll-interval-ms',
        '300',
        '--workers',
        '2',
        '--metrics-port',
        String(metricsPort),
      ],
      env: { WEIR_CONTROL_PLANE_TOKEN: FLEET },
    })
    await dp.waitForLog((l) => l.msg === 'weir started', 20_000)

    expect(await posts(publicPort, 8), dp.tail()).toEqual(Array(8).fill(202))
    expect(await perWorker(metricsPort, 'weir_worker_requests')).toEqual({
      '0': expect.any(Number) as number,
      '1': expect.any(Number) as number,
    })
    const served = await perWorker(metricsPort, 'weir_worker_requests')
    expect(
      Object.values(served).every((n) => n > 0),
      JSON.stringify(served)
    ).toBe(true)

    const changed = await admin('/v1/policies/acl', {
      method: 'PUT',
      body: JSON.stringify({
        kind: 'acl',
        rules: [{ effect: 'deny', principals: ['alice'], names: ['*'], operations: ['produce'] }],
      }),
    })
    expect(changed.status).toBe(200)
    await expect
      .poll(() => perWorker(metricsPort, 'weir_worker_config_generation'), { timeout: 15_000 })
      .toEqual({ '0': 2, '1': 2 })
    // A worker left on the first generation would still accept.
    expect(await posts(publicPort, 8), dp.tail()).toEqual(Array(8).fill(403))
    await expect
      .poll(
        async () => ((await (await admin('/v1/data-planes')).json()) as { items: unknown[] }).items,
        { timeout: 15_000 }
      )
      .toEqual([
        expect.objectContaining({ id: 'dp-workers', current: true, listeners: ['public'] }),
      ])

    dp.child.kill('SIGTERM')
    expect(await dp.exited, dp.tail()).toBe(0)
    expect(drainedWorkers(dp.logs)).toEqual([0, 1])
  })
})
