// The one way a running config changes: validated whole, applied, versioned; anything wrong
// leaves the running config and its version as they were.
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { validateConfigObject, type WeirConfig } from '../../src/config/index.ts'
import {
  ConfigRejected,
  ConfigStore,
  etagOf,
  VersionConflict,
} from '../../src/control/config-store.ts'

function document(port = 8080): Record<string, unknown> {
  return {
    backendClusters: [{ name: 'main', bootstrapServers: ['127.0.0.1:9092'] }],
    virtualClusters: [{ name: 'vc', backendCluster: 'main' }],
    listeners: [{ name: 'public', kind: 'http', port }],
  }
}

function setup(options: { check?: (config: WeirConfig) => void; fail?: string } = {}) {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
  )
  const applied: WeirConfig[] = []
  const raw = document()
  const store = new ConfigStore(
    { raw, config: validateConfigObject(raw) },
    {
      apply: async (config) => {
        if (options.fail !== undefined) throw new Error(options.fail)
        applied.push(config)
        return { port: config.listeners[0]?.port }
      },
      check: options.check ?? (() => undefined),
      logger,
      source: 'weir.yaml',
    }
  )
  return { store, applied, lines }
}

describe('ConfigStore', () => {
  it('starts at generation 1 with the ETag of its document', () => {
    const { store } = setup()
    expect(store.current.version).toMatchObject({
      generation: 1,
      etag: etagOf(document()),
      source: 'weir.yaml',
    })
    expect(store.current.version.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
  })

  it('applies a valid change: next generation, new ETag, watchers told', async () => {
    const { store, applied } = setup()
    const seen: number[] = []
    store.onApplied(({ version }, result) => {
      seen.push(version.generation)
      expect(result).toEqual({ port: 8081 })
    })
    const { applied: now, changed, result } = await store.apply(document(8081), 'admin-api')
    expect(changed).toBe(true)
    expect(result).toEqual({ port: 8081 })
    expect(now.version).toMatchObject({ generation: 2, source: 'admin-api' })
    expect(now.version.etag).toBe(etagOf(document(8081)))
    expect(now.version.etag).not.toBe(etagOf(document()))
    expect(store.current.config.listeners[0]?.port).toBe(8081)
    expect(applied).toHaveLength(1)
    expect(seen).toEqual([2])
  })

  it('rejects an invalid document with every issue, keeping the running config and generation', async () => {
    const { store, applied, lines } = setup()
    const before = store.current
    const bad = { ...document(), listeners: [{ name: 'public', kind: 'http', port: 'x' }] }
    delete (bad as Record<string, unknown>).virtualClusters
    const err = await store.apply(bad, 'admin-api').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigRejected)
    const paths = (err as ConfigRejected).issues.map((i) => i.path)
    expect(paths).toContain('listeners[0].port')
    expect(paths).toContain('virtualClusters')
    expect(store.current).toBe(before)
    expect(store.current.version.generation).toBe(1)
    expect(applied).toEqual([])
    expect(lines.some((l) => l.msg === 'configuration rejected: the running one stays')).toBe(true)
  })

  it('rejects a document the check refuses (policies that do not compile...)', async () => {
    const { store, applied } = setup({
      check: (config) => {
        if (config.listeners[0]?.port === 9999) throw new Error('port 9999 is cursed')
      },
    })
    await expect(store.apply(document(9999), 'admin-api')).rejects.toMatchObject({
      issues: [{ path: '', message: 'port 9999 is cursed' }],
    })
    expect(() => store.validate(document(9999))).toThrow(ConfigRejected)
    expect(store.validate(document(9998)).listeners[0]?.port).toBe(9998)
    expect(store.current.version.generation).toBe(1)
    expect(applied).toEqual([])
  })

  it('keeps the running config when the applier fails', async () => {
    const { store } = setup({ fail: 'address in use' })
    await expect(store.apply(document(8081), 'admin-api')).rejects.toMatchObject({
      name: 'ConfigRejected',
      issues: [{ path: '', message: 'address in use' }],
    })
    expect(store.current.version.generation).toBe(1)
    expect(store.current.config.listeners[0]?.port).toBe(8080)
  })

  it('refuses a change written against another version (If-Match)', async () => {
    const { store, applied } = setup()
    const stale = store.current.version.etag
    await store.apply(document(8081), 'admin-api', stale)
    const err = await store.apply(document(8082), 'admin-api', stale).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VersionConflict)
    expect((err as VersionConflict).current.generation).toBe(2)
    expect(store.current.config.listeners[0]?.port).toBe(8081)
    expect(applied).toHaveLength(1)
    // The current ETag, or `*`, match.
    await store.apply(document(8082), 'admin-api', store.current.version.etag)
    await store.apply(document(8083), 'admin-api', '*')
    expect(store.current.version.generation).toBe(4)
  })

  it('checks If-Match against the version left by the changes queued before it', async () => {
    const { store } = setup()
    const etag = store.current.version.etag
    // Both are asked at once, against the same version: the second must lose.
    const first = store.apply(document(8081), 'admin-api', etag)
    const second = store.apply(document(8082), 'admin-api', etag)
    await expect(first).resolves.toMatchObject({ changed: true })
    await expect(second).rejects.toBeInstanceOf(VersionConflict)
  })

  it('does not make a new version of the same content', async () => {
    const { store, applied } = setup()
    const result = await store.apply(document(), 'file')
    expect(result.changed).toBe(false)
    expect(result.applied.version.generation).toBe(1)
    expect(applied).toEqual([])
  })

  it('gives the same ETag whatever the key order, and a new one for new content', () => {
    const a = { x: 1, y: { b: [1, { d: 1, c: 2 }], a: null } }
    const b = { y: { a: null, b: [1, { c: 2, d: 1 }] }, x: 1 }
    expect(etagOf(a)).toBe(etagOf(b))
    expect(etagOf({ ...a, z: undefined })).toBe(etagOf(a))
    expect(etagOf({ ...a, x: 2 })).not.toBe(etagOf(a))
    // List order is content.
    expect(etagOf({ l: [1, 2] })).not.toBe(etagOf({ l: [2, 1] }))
  })

  it('applies a reordered copy of the running document as no change', async () => {
    const { store } = setup()
    const reordered = Object.fromEntries(Object.entries(document()).reverse())
    expect((await store.apply(reordered, 'admin-api')).changed).toBe(false)
  })
})
