import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { freePort } from '../scripts/local-stack/ports.ts'
import { NOBODY } from './support/ports.ts'
import { main } from '../src/cli.ts'

function captureConsole() {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')))
  return { out, err }
}

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'weir-cli-')), 'weir.yaml')
  writeFileSync(file, text)
  return file
}

afterEach(() => vi.restoreAllMocks())

describe('weir validate', () => {
  it('accepts the example configuration', async () => {
    const { out } = captureConsole()
    expect(await main(['validate', '-c', 'examples/gateway.yaml'])).toBe(0)
    expect(out.join('\n')).toMatch(
      /examples\/gateway.yaml: valid \(1 backend cluster, 2 virtual clusters, 2 listeners, 2 policies\)/
    )
  })

  it('exits 1 and names each broken field', async () => {
    const file = configFile(`backendClusters:
  - name: local
    bootstrapServers: 127.0.0.1:9092
virtualClusters:
  - name: vc
    backendCluster: local
listeners:
  - name: public
    kind: http
    port: 99999
`)
    const { err } = captureConsole()
    expect(await main(['validate', '--config', file])).toBe(1)
    expect(err.join('\n')).toContain(`${file}: invalid configuration`)
    expect(err.join('\n')).toMatch(
      /listeners\[0\]\.port \(line 10\): expected number to be <=65535, got number 99999/
    )
  })

  it('never prints a plaintext typed where a hash or secret belongs', async () => {
    const file = configFile(`backendClusters: [{ name: k, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters:
  - name: v
    backendCluster: k
    authentication:
      - { kind: basic, users: [{ username: u, passwordHash: Plain-Typed-Secret-1 }] }
      - { kind: api-key, keys: [{ principal: p, sha256: Plain-Typed-Secret-2 }] }
listeners: [{ name: l, kind: http, port: 8080, requests: { secret: Plain-Typed-Secret-3 } }]
`)
    const { out, err } = captureConsole()
    expect(await main(['validate', '-c', file])).toBe(1)
    const printed = [...out, ...err].join('\n')
    expect(printed).not.toMatch(/Plain-Typed-Secret/)
    expect(printed).toContain(
      'users[0].passwordHash (line 6): expected a scrypt hash, got a string (value not shown: secret)'
    )
    expect(printed).toMatch(
      /keys\[0\]\.sha256 \(line 7\): expected 64 hex digits, got a string \(value/
    )
    expect(printed).toMatch(/listeners\[0\]\.requests\.secret \(line 8\): expected at least 32/)
  })

  it('exits 1 on key material the policy engine cannot use', async () => {
    const file = configFile(`backendClusters: [{ name: k, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters:
  - name: v
    backendCluster: k
    authentication: [{ kind: jwt, keys: ['not a key'] }]
listeners: [{ name: l, kind: http, port: 8080 }]
`)
    const { err } = captureConsole()
    expect(await main(['validate', '-c', file])).toBe(1)
    expect(err.join('\n')).toMatch(/virtual cluster "v" authentication: a JWT key/)
  })

  it('explains usage errors with exit 2', async () => {
    const { err } = captureConsole()
    expect(await main(['validate'])).toBe(2)
    expect(err.join('\n')).toMatch(/-c FILE is required/)
    expect(await main(['frobnicate', '-c', 'x'])).toBe(2)
    expect(err.join('\n')).toMatch(/unknown command "frobnicate"/)
  })
})

describe('weir start --role data-plane', () => {
  it('refuses a poll interval or a listener port it cannot use, with exit 2', async () => {
    vi.stubEnv('WEIR_CONTROL_PLANE_TOKEN', 'token')
    const { err } = captureConsole()
    const start = (...flags: string[]) =>
      main(['start', '--role', 'data-plane', '--control-plane', 'http://127.0.0.1:1', ...flags])
    for (const interval of ['abc', '0', '-5', '2.5', '99']) {
      expect(await start('--poll-interval-ms', interval)).toBe(2)
    }
    expect(err.at(-1)).toMatch(/--poll-interval-ms is a whole number of milliseconds/)
    for (const port of ['public', 'public=', 'public=99999', '=8080', 'public=80x']) {
      expect(await start('--listener-port', port)).toBe(2)
      expect(err.at(-1)).toBe(`weir start: --listener-port is NAME=PORT, not "${port}"`)
    }
    vi.unstubAllEnvs()
  })

  it('refuses a --workers count it cannot run, or --workers with the control-plane role', async () => {
    const { err } = captureConsole()
    const file = configFile('listeners: []\n')
    for (const count of ['0', 'two', '1.5', '5000']) {
      expect(await main(['start', '-c', file, '--workers', count])).toBe(2)
      expect(err.at(-1)).toBe(`weir start: --workers is N (1-1024) or auto, not "${count}"`)
    }
    expect(await main(['start', '-c', file, '--role', 'control-plane', '--workers', '2'])).toBe(2)
    expect(err.at(-1)).toBe('weir start: --workers goes with --role standalone or data-plane')
  })

  it('refuses port 0 with --workers: the workers could not share it', async () => {
    const { err } = captureConsole()
    const file = configFile(`backendClusters:
  - name: main
    bootstrapServers: 127.0.0.1:1
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
`)
    expect(await main(['start', '-c', file, '--workers', '2', '--no-watch'])).toBe(1)
    expect(err.at(-1)).toBe(
      'weir start: listener "public": port 0 cannot be shared by workers; give a port number'
    )
  })

  it('refuses a metrics port it cannot use, or a metrics host without a port, with exit 2', async () => {
    vi.stubEnv('WEIR_CONTROL_PLANE_TOKEN', 'token')
    const { err } = captureConsole()
    const start = (...flags: string[]) =>
      main(['start', '--role', 'data-plane', '--control-plane', 'http://127.0.0.1:1', ...flags])
    for (const port of ['99999', 'x', '80.5', '']) {
      expect(await start('--metrics-port', port)).toBe(2)
      expect(err.at(-1)).toBe(
        `weir start: --metrics-port is a port number (0-65535), not "${port}"`
      )
    }
    expect(await start('--metrics-host', '0.0.0.0')).toBe(2)
    expect(err.at(-1)).toBe('weir start: --metrics-host needs --metrics-port')
    vi.unstubAllEnvs()
  })

  it('serves /metrics and /readyz on --metrics-port while its control plane is away', async () => {
    const port = await freePort()
    const child = spawn(
      process.execPath,
      [
        'src/cli.ts',
        'start',
        '--role',
        'data-plane',
        '--control-plane',
        `http://${NOBODY}`,
        '--metrics-port',
        String(port),
      ],
      { env: { ...process.env, WEIR_CONTROL_PLANE_TOKEN: 'token' }, stdio: 'ignore' }
    )
    try {
      const deadline = Date.now() + 10_000
      let metrics: Response | undefined
      while (metrics === undefined) {
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`).catch((err: unknown) => {
          if (Date.now() > deadline) throw err
          return new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))
        })
      }
      expect(metrics.status).toBe(200)
      expect(await metrics.text()).toContain('# TYPE weir_config_generation gauge')
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({
        detail: 'still reading: the configuration from the control plane',
      })
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }
    }
  }, 20_000)

  it('needs the control plane URL and token', async () => {
    vi.stubEnv('WEIR_CONTROL_PLANE_TOKEN', '')
    const { err } = captureConsole()
    expect(await main(['start', '--role', 'data-plane', '--control-plane', 'http://x'])).toBe(2)
    expect(err.join('\n')).toMatch(/WEIR_CONTROL_PLANE_TOKEN/)
    vi.unstubAllEnvs()
  })
})
