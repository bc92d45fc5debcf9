// `weir start` as a user runs it: a real process, a real broker behind it, signals to stop it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { NOBODY } from '../support/ports.ts'
import { stack } from '../support/kafka.ts'

const running: ChildProcess[] = []
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL')
})

function config(bootstrap: string, port: number): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'weir-start-')), 'weir.yaml')
  writeFileSync(
    file,
    `backendClusters:
  - name: main
    bootstrapServers: ${bootstrap}
    connectionTimeoutMs: 500
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: ${port}
logging:
  level: warn
`
  )
  return file
}

async function startWeir(file: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/cli.ts', 'start', '-c', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.push(child)
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`weir exited with ${child.exitCode}`)
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)
    if (res?.ok) return child
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('weir did not start listening')
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

describe('weir start', () => {
  it('is live and ready against a reachable broker, and stops cleanly on SIGTERM', async () => {
    const port = await freePort()
    const child = await startWeir(config(stack().bootstrap, port), port)
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({
      status: 'ready',
      backendClusters: { main: { ok: true, brokers: 1 } },
    })

    const missing = await fetch(`http://127.0.0.1:${port}/nowhere`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')

    const exit = exitOf(child)
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  })

  it('is live but not ready when the backend cannot be reached', async () => {
    const port = await freePort()
    const child = await startWeir(config(NOBODY, port), port)
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({
      title: 'Backend unreachable',
      detail: 'cannot reach backend cluster "main"',
    })
    const exit = exitOf(child)
    child.kill('SIGINT')
    expect(await exit).toBe(0)
  })
})
