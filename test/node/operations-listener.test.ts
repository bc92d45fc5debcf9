// The operations listener of a data plane (GET /metrics, /healthz, /readyz on its own port), in
// process and without a broker: it is up while the data plane still waits for its control plane.
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startDataPlane } from '../../src/node/roles.ts'

const pending: Promise<unknown>[] = []
afterEach(async () => {
  await Promise.allSettled(pending.splice(0))
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
    const [controlPlanePort, port] = await Promise.all([freePort(), freePort()])
    const starting = startDataPlane({
      controlPlane: `http://127.0.0.1:${controlPlanePort}`,
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
