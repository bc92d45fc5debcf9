// The cache of unwrapped data keys: one KMS call per key however many readers ask at once,
// reads served from it while the KMS is down, and a key the KMS says is gone dropped at once.
import { describe, expect, it } from 'vitest'
import {
  DataKeyCache,
  Envelope,
  EnvelopeReader,
  valueContext,
} from '../../../src/policy/encrypt/index.ts'
import { FakeKms, gate } from './fake-kms.ts'

const context = valueContext('orders', '')

async function written(kms: FakeKms) {
  const sealer = await new Envelope({ kms, kmsName: 'local', kekId: 'k' }).prepareWrite()
  return { sealed: sealer.seal(Buffer.from('clear'), context), header: sealer.header(['']) }
}

function reader(kms: FakeKms, cache: DataKeyCache) {
  return new EnvelopeReader({ kms: (name) => (name === 'local' ? kms : undefined), cache })
}

describe('the data-key cache', () => {
  it('coalesces concurrent first reads of one key into one KMS call', async () => {
    const kms = new FakeKms()
    const { sealed, header } = await written(kms)
    const held = gate()
    kms.gate = held.promise
    const read = reader(kms, new DataKeyCache())
    const openers = Array.from({ length: 20 }, () => read.prepareRead(header))
    held.open()
    for (const opener of await Promise.all(openers)) {
      expect(opener.open(sealed, context).toString()).toBe('clear')
    }
    expect(kms.unwrapped).toBe(1)
  })

  it('keeps serving cached keys while the KMS is down, up to staleIfUnavailableMs', async () => {
    let now = 0
    const kms = new FakeKms()
    const { sealed, header } = await written(kms)
    const cache = new DataKeyCache({
      ttlMs: 1_000,
      staleIfUnavailableMs: 10_000,
      recheckMs: 500,
      now: () => now,
    })
    const read = reader(kms, cache)
    await read.prepareRead(header)
    kms.failing = 'unavailable'
    now = 5_000 // past the TTL: the KMS is asked, fails, the cached key serves
    expect((await read.prepareRead(header)).open(sealed, context).toString()).toBe('clear')
    expect((await read.prepareRead(header)).open(sealed, context).toString()).toBe('clear')
    now = 11_001 // past TTL + staleIfUnavailableMs
    await expect(read.prepareRead(header)).rejects.toMatchObject({ code: 'kms-unavailable' })
    kms.failing = undefined
    expect((await read.prepareRead(header)).open(sealed, context).toString()).toBe('clear')
  })

  it('asks a down KMS again at most once a recheckMs while serving stale', async () => {
    let now = 0
    const kms = new FakeKms()
    const { header } = await written(kms)
    const cache = new DataKeyCache({ ttlMs: 1_000, recheckMs: 500, now: () => now })
    const read = reader(kms, cache)
    await read.prepareRead(header)
    kms.failing = 'unavailable'
    now = 2_000
    const calls = async () => {
      const before = kms.unwrapped
      let attempts = 0
      const original = kms.unwrapDataKey.bind(kms)
      kms.unwrapDataKey = (kek, wrapped) => (attempts++, original(kek, wrapped))
      for (let i = 0; i < 5; i++) await read.prepareRead(header)
      kms.unwrapDataKey = original
      return { attempts, succeeded: kms.unwrapped - before }
    }
    expect(await calls()).toEqual({ attempts: 1, succeeded: 0 })
    now = 2_500
    expect(await calls()).toEqual({ attempts: 1, succeeded: 0 })
  })

  it('drops a cached key once the KMS says its KEK is gone (crypto-shredding)', async () => {
    let now = 0
    const kms = new FakeKms()
    const { header } = await written(kms)
    const read = reader(kms, new DataKeyCache({ ttlMs: 1_000, now: () => now }))
    await read.prepareRead(header)
    now = 999
    kms.failing = 'key-not-found'
    await expect(read.prepareRead(header)).resolves.toBeDefined()
    now = 1_000
    await expect(read.prepareRead(header)).rejects.toMatchObject({ code: 'kms-key-unavailable' })
    // Later, with the KMS down: no cached copy was kept to serve stale.
    now = 5_000
    kms.failing = 'unavailable'
    await expect(read.prepareRead(header)).rejects.toMatchObject({ code: 'kms-unavailable' })
  })

  it('takes new bounds on reload, judging the keys it holds by them', async () => {
    let now = 0
    const kms = new FakeKms()
    const { header } = await written(kms)
    const cache = new DataKeyCache({ ttlMs: 60_000, now: () => now })
    const read = reader(kms, cache)
    await read.prepareRead(header)
    now = 2_000
    kms.failing = 'key-not-found'
    await expect(read.prepareRead(header)).resolves.toBeDefined()
    cache.configure({ ttlMs: 1_000 })
    await expect(read.prepareRead(header)).rejects.toMatchObject({ code: 'kms-key-unavailable' })
  })

  it('remembers a key the KMS said is gone for recheckMs, then asks again', async () => {
    let now = 0
    const kms = new FakeKms()
    const { header } = await written(kms)
    kms.failing = 'key-not-found'
    const read = reader(kms, new DataKeyCache({ recheckMs: 1_000, now: () => now }))
    let asked = 0
    const unwrap = kms.unwrapDataKey.bind(kms)
    kms.unwrapDataKey = (kek, wrapped) => (asked++, unwrap(kek, wrapped))
    for (let i = 0; i < 5; i++) {
      await expect(read.prepareRead(header)).rejects.toMatchObject({ code: 'kms-key-unavailable' })
    }
    expect(asked).toBe(1)
    now = 1_000
    kms.failing = undefined
    await expect(read.prepareRead(header)).resolves.toBeDefined()
    expect(asked).toBe(2)
  })

  it('evicts the least recently used key past maxEntries', async () => {
    const cache = new DataKeyCache({ maxEntries: 2 })
    for (const n of [1, 2, 3]) {
      cache.put({ kmsName: 'local', kekId: 'k', wrapped: Buffer.of(n) }, Buffer.alloc(32))
    }
    expect(cache.size).toBe(2)
  })

  it('refuses a header naming a KMS this node does not have', async () => {
    const kms = new FakeKms()
    const { header } = await written(kms)
    const read = new EnvelopeReader({ kms: () => undefined, cache: new DataKeyCache() })
    await expect(read.prepareRead(header)).rejects.toMatchObject({
      code: 'kms-key-unavailable',
      message: expect.stringContaining('KMS "local", which is not configured here'),
    })
  })
})
