// The data plane's link to its control plane, against a real HTTP server: conditional polling,
// status reports, backoff while the control plane is away, and the cache file to start from.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataPlaneAgent, type FetchedConfig } from '../../src/control/data-plane-agent.ts'
import type { DataPlaneReport } from '../../src/control/data-planes.ts'

interface Seen {
  method: string
  url: string
  at: number
  headers: IncomingMessage['headers']
  body: string
}

/** A control plane stand-in: serves `state.config` under `state.etag`, or `state.status`. */
async function fakeControlPlane() {
  const state = {
    etag: '"v1"',
    config: { listeners: ['v1'] } as Record<string, unknown>,
    /** When set, every request gets this status. */
    status: undefined as number | undefined,
    seen: [] as Seen[],
  }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      state.seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        at: Date.now(),
        headers: req.headers,
        body,
      })
      if (state.status !== undefined) {
        res.writeHead(state.status).end('not now')
      } else if (req.url === '/v1/data-plane/config') {
        if (req.headers['if-none-match'] === state.etag) {
          res.writeHead(304, { etag: state.etag }).end()
        } else {
          res
            .writeHead(200, { etag: state.etag, 'content-type': 'application/json' })
            .end(JSON.stringify({ version: { etag: state.etag }, config: state.config }))
        }
      } else if (req.method === 'POST' && req.url?.endsWith('/status')) {
        res.writeHead(204).end()
      } else {
        res.writeHead(404).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const fetches = () => state.seen.filter((s) => s.url === '/v1/data-plane/config')
  const reports = () =>
    state.seen
      .filter((s) => s.url.endsWith('/status'))
      .map((s) => JSON.parse(s.body) as DataPlaneReport)
  return { state, url, server, fetches, reports }
}

const servers: Server[] = []
const agents: DataPlaneAgent[] = []
const dirs: string[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const agent of agents.splice(0)) agent.stop()
  await Promise.all(
    servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve)).then(() => undefined))
  )
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function agentFor(
  controlPlane: string,
  options: { cacheFile?: string; maxBackoffMs?: number } = {}
) {
  const warnings: string[] = []
  /** Every line logged, in order. */
  const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = []
  const logger = pino({ level: 'silent' })
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    vi.spyOn(logger, level).mockImplementation(((fields: Record<string, unknown>, msg: string) => {
      logs.push({ level, msg, fields })
      if (level === 'warn') warnings.push(msg)
    }) as never)
  }
  const agent = new DataPlaneAgent({
    controlPlane,
    token: 'dp-secret',
    id: 'dp 1',
    intervalMs: 50,
    maxBackoffMs: options.maxBackoffMs ?? 400,
    cacheFile: options.cacheFile,
    logger,
  })
  agents.push(agent)
  return { agent, warnings, logs }
}

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-agent-'))
  dirs.push(dir)
  return dir
}

const okStatus = (): DataPlaneReport => ({ health: 'ok', listeners: ['public'] })

describe('DataPlaneAgent', () => {
  it('fetches the config with its token, then polls conditionally and reports what it runs', async () => {
    const cp = await fakeControlPlane()
    const { agent } = agentFor(cp.url)
    const first = await agent.initial()
    expect(first).toEqual({ raw: { listeners: ['v1'] }, etag: '"v1"', from: 'control-plane' })
    expect(cp.fetches()[0]?.headers.authorization).toBe('Bearer dp-secret')
    expect(cp.fetches()[0]?.headers['if-none-match']).toBeUndefined()

    const applied: unknown[] = []
    agent.start(first, async (raw) => void applied.push(raw), okStatus)
    await until(() => cp.reports().length >= 3)
    // Nothing new: 304s, nothing applied, the running version reported.
    expect(applied).toEqual([])
    expect(
      cp
        .fetches()
        .slice(1)
        .every((f) => f.headers['if-none-match'] === '"v1"')
    ).toBe(true)
    expect(cp.reports()[0]).toEqual({
      health: 'ok',
      listeners: ['public'],
      etag: '"v1"',
      // How often it polls: the control plane calls it stale after three of these.
      pollIntervalMs: 50,
    })
    const report = cp.state.seen.find((s) => s.url.endsWith('/status'))
    expect(report?.url).toBe('/v1/data-planes/dp%201/status')
    expect(report?.headers.authorization).toBe('Bearer dp-secret')

    cp.state.etag = '"v2"'
    cp.state.config = { listeners: ['v2'] }
    await until(() => cp.reports().some((r) => r.etag === '"v2"'))
    expect(applied).toEqual([{ listeners: ['v2'] }])
    const since = cp.fetches().length
    await until(() => cp.fetches().length >= since + 2)
    expect(applied).toHaveLength(1)
    expect(cp.fetches().at(-1)?.headers['if-none-match']).toBe('"v2"')
  })

  it('reports degraded with the error when a new config cannot be applied, and tries it again', async () => {
    const cp = await fakeControlPlane()
    const { agent } = agentFor(cp.url)
    const first = await agent.initial()
    let attempts = 0
    agent.start(
      first,
      async (raw) => {
        attempts++
        if ((raw.listeners as string[])[0] === 'bad') throw new Error('port in use')
      },
      okStatus
    )
    cp.state.etag = '"bad"'
    cp.state.config = { listeners: ['bad'] }
    await until(() => cp.reports().some((r) => r.health === 'degraded'))
    expect(cp.reports().find((r) => r.health === 'degraded')).toEqual({
      health: 'degraded',
      error: 'port in use',
      listeners: ['public'],
      // Still the version it runs.
      etag: '"v1"',
      pollIntervalMs: 50,
    })
    await until(() => attempts >= 2)
    cp.state.etag = '"v3"'
    cp.state.config = { listeners: ['v3'] }
    await until(() => cp.reports().at(-1)?.etag === '"v3"')
    expect(cp.reports().at(-1)?.health).toBe('ok')
    expect(cp.reports().at(-1)?.error).toBeUndefined()
  })

  it('backs off exponentially while the control plane fails, and polls at the interval once it is back', async () => {
    // The top of the jitter range every time, so the delays are the ceilings: 100, 200, 400, 400.
    vi.spyOn(Math, 'random').mockReturnValue(0.999999)
    const cp = await fakeControlPlane()
    const { agent, warnings } = agentFor(cp.url, { maxBackoffMs: 400 })
    const first = await agent.initial()
    cp.state.status = 503
    agent.start(first, async () => undefined, okStatus)
    await until(() => cp.fetches().length >= 6, 10_000)
    const at = cp.fetches().map((f) => f.at)
    const gaps = at.slice(2).map((t, i) => t - (at[i + 1] as number))
    // After the first failure (at the interval): 100, 200, 400 (the cap), 400.
    // Lower bounds are exact (timers never fire early); upper bounds leave room for a slow
    // machine while telling each step from the next (and the cap from an uncapped 800).
    expect(gaps[0]).toBeGreaterThanOrEqual(95)
    expect(gaps[0]).toBeLessThan(195)
    expect(gaps[1]).toBeGreaterThanOrEqual(195)
    expect(gaps[1]).toBeLessThan(395)
    expect(gaps[2]).toBeGreaterThanOrEqual(395)
    expect(gaps[2]).toBeLessThan(790)
    expect(gaps[3]).toBeGreaterThanOrEqual(395)
    expect(gaps[3]).toBeLessThan(790)
    expect(warnings).toContain('control plane unreachable: serving the last good configuration')

    cp.state.status = undefined
    await until(() => cp.reports().length >= 1, 5000)
    const back = cp.fetches().length
    await until(() => cp.fetches().length >= back + 3)
    const recent = cp
      .fetches()
      .map((f) => f.at)
      .slice(-3)
    expect((recent[2] as number) - (recent[1] as number)).toBeLessThan(200)
  })

  it('says once that the control plane is unreachable, and once that it is back', async () => {
    const cp = await fakeControlPlane()
    const { agent, logs } = agentFor(cp.url, { maxBackoffMs: 100 })
    const first = await agent.initial()
    cp.state.status = 503
    agent.start(first, async () => undefined, okStatus)
    await until(() => cp.fetches().length >= 6)
    const unreachable = 'control plane unreachable: serving the last good configuration'
    expect(logs.filter((l) => l.msg === unreachable)).toEqual([
      {
        level: 'warn',
        msg: unreachable,
        fields: expect.objectContaining({ err: expect.stringMatching(/503/) }),
      },
    ])
    // Each retry after the first is at debug, counted.
    const retries = logs.filter((l) => l.msg === 'control plane still unreachable')
    expect(retries.length).toBeGreaterThanOrEqual(3)
    expect(retries.every((l) => l.level === 'debug')).toBe(true)
    expect(retries.map((l) => l.fields.failedAttempts).slice(0, 3)).toEqual([2, 3, 4])

    cp.state.status = undefined
    await until(() => cp.reports().length >= 3)
    const back = logs.filter((l) => l.msg === 'control plane reachable again')
    // The count is of every failed attempt (a poll answered before the switch may fail still).
    const backAt = logs.findIndex((l) => l.msg === 'control plane reachable again')
    const attempts = logs.slice(0, backAt).filter((l) => l.msg.startsWith('control plane')).length
    expect(back).toEqual([
      {
        level: 'info',
        msg: 'control plane reachable again',
        fields: { unreachableMs: expect.any(Number), failedAttempts: attempts },
      },
    ])
    expect(back[0]?.fields.unreachableMs).toBeGreaterThan(0)
    expect(logs.filter((l) => l.msg === unreachable)).toHaveLength(1)

    // A second outage is news again.
    cp.state.status = 503
    await until(() => logs.filter((l) => l.msg === unreachable).length === 2)
  })

  it('says the control plane is back when it answers after a start from the cache file', async () => {
    const cacheFile = path.join(tempDir(), 'cache.json')
    writeFileSync(cacheFile, JSON.stringify({ etag: '"v1"', config: { listeners: ['v1'] } }))
    const cp = await fakeControlPlane()
    cp.state.status = 503
    const { agent, logs } = agentFor(cp.url, { cacheFile })
    const started = await agent.initial(1000)
    expect(started.from).toBe('cache')
    cp.state.status = undefined
    agent.start(started, async () => undefined, okStatus)
    await until(() => cp.reports().length >= 2)
    expect(logs.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn control plane unreachable: starting from the last good configuration',
      'info control plane reachable again',
    ])
  })

  it('starts backing off afresh after the failures it had at boot', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999)
    const cp = await fakeControlPlane()
    cp.state.status = 503
    const { agent } = agentFor(cp.url, { maxBackoffMs: 10_000 })
    const pending = agent.initial(10_000)
    // Failures at boot: 100, 200, 400 ms apart.
    await until(() => cp.fetches().length >= 4, 5000)
    cp.state.status = undefined
    const first = await pending
    cp.state.status = 503
    agent.start(first, async () => undefined, okStatus)
    const seen = cp.fetches().length
    await until(() => cp.fetches().length >= seen + 2, 5000)
    const at = cp.fetches().map((f) => f.at)
    // The first failure after boot waits the first step (100 ms), not the fifth (1600 ms).
    expect((at.at(-1) as number) - (at.at(-2) as number)).toBeLessThan(400)
  })

  it('backs off with jitter: the delay is random below the ceiling', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const cp = await fakeControlPlane()
    const { agent } = agentFor(cp.url, { maxBackoffMs: 10_000 })
    const first = await agent.initial()
    cp.state.status = 500
    agent.start(first, async () => undefined, okStatus)
    await until(() => cp.fetches().length >= 6, 5000)
    const at = cp.fetches().map((f) => f.at)
    // Jitter 0 gives the floor of 100 ms whatever the ceiling, never a tight loop.
    for (let i = 3; i < at.length; i++) {
      expect((at[i] as number) - (at[i - 1] as number)).toBeGreaterThanOrEqual(95)
      expect((at[i] as number) - (at[i - 1] as number)).toBeLessThan(400)
    }
  })

  it('keeps the last good config in the cache file (0600) and starts from it when the control plane is down', async () => {
    const cacheFile = path.join(tempDir(), 'config-cache.json')
    const cp = await fakeControlPlane()
    const { agent } = agentFor(cp.url, { cacheFile })
    const first = await agent.initial()
    agent.start(first, async () => undefined, okStatus)
    cp.state.etag = '"v2"'
    cp.state.config = { listeners: ['v2'] }
    await until(() => cp.reports().some((r) => r.etag === '"v2"'))
    await until(() => {
      try {
        return JSON.parse(readFileSync(cacheFile, 'utf8')).etag === '"v2"'
      } catch {
        return false
      }
    })
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toEqual({
      etag: '"v2"',
      config: { listeners: ['v2'] },
    })
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600)
    agent.stop()

    cp.state.status = 503
    const { agent: next, warnings } = agentFor(cp.url, { cacheFile })
    const started: FetchedConfig = await next.initial(1000)
    expect(started).toEqual({ raw: { listeners: ['v2'] }, etag: '"v2"', from: 'cache' })
    expect(warnings).toContain(
      'control plane unreachable: starting from the last good configuration'
    )
    // Polling from the cached version: a 304 once the control plane is back.
    cp.state.status = undefined
    const applied: unknown[] = []
    next.start(started, async (raw) => void applied.push(raw), okStatus)
    await until(() => cp.reports().filter((r) => r.etag === '"v2"').length >= 3)
    expect(applied).toEqual([])
  })

  it('retries at boot until the control plane answers, and gives up at the deadline without a cache', async () => {
    const cp = await fakeControlPlane()
    cp.state.status = 503
    const { agent } = agentFor(cp.url)
    const pending = agent.initial(5000)
    await until(() => cp.fetches().length >= 2)
    cp.state.status = undefined
    await expect(pending).resolves.toMatchObject({ etag: '"v1"', from: 'control-plane' })

    cp.state.status = 401
    const { agent: refused } = agentFor(cp.url, { cacheFile: path.join(tempDir(), 'none.json') })
    const started = Date.now()
    await expect(refused.initial(300)).rejects.toThrow(/control plane answered 401/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
  })

  it('ignores a cache file it cannot read', async () => {
    const cacheFile = path.join(tempDir(), 'cache.json')
    writeFileSync(cacheFile, '{not json')
    const cp = await fakeControlPlane()
    cp.state.status = 503
    const { agent } = agentFor(cp.url, { cacheFile })
    await expect(agent.initial(200)).rejects.toThrow(/503/)
  })
})
