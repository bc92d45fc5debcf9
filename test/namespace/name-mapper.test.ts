// Tenant names ↔ backend names: prefixing, hidePrefix off, exposed globs, internal topics, and
// the round trip that lets a response always name exactly what the client sent.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createNameMapper,
  nameKinds,
  type NameKind,
  type NamespaceConfig,
} from '../../src/namespace/index.ts'

const ns = (config: Partial<NamespaceConfig> & { prefix: string }): NamespaceConfig => ({
  hidePrefix: true,
  ...config,
})

describe('createNameMapper with hidePrefix', () => {
  const mapper = createNameMapper(
    ns({ prefix: 'acme.', expose: { topics: ['ref.*', 'prices'], groups: ['shared-*'] } })
  )

  it('prefixes topics, groups and transactional ids, and strips the prefix back', () => {
    for (const kind of nameKinds) {
      expect(mapper.toBackend(kind, 'orders')).toBe('acme.orders')
      expect(mapper.toClient(kind, 'acme.orders')).toBe('orders')
    }
  })

  it("hides other tenants' names and the backend's own", () => {
    expect(mapper.toClient('topicName', 'globex.orders')).toBeUndefined()
    expect(mapper.toClient('groupId', 'orders')).toBeUndefined()
    expect(mapper.toClient('transactionalId', 'acm.tx')).toBeUndefined()
  })

  it('maps exposed names unprefixed both ways, per kind', () => {
    expect(mapper.toBackend('topicName', 'ref.currencies')).toBe('ref.currencies')
    expect(mapper.toClient('topicName', 'ref.currencies')).toBe('ref.currencies')
    expect(mapper.toBackend('topicName', 'prices')).toBe('prices')
    expect(mapper.toBackend('groupId', 'shared-audit')).toBe('shared-audit')
    expect(mapper.toClient('groupId', 'shared-audit')).toBe('shared-audit')
    // Topic globs do not expose groups, and transactional ids are never exposed.
    expect(mapper.toBackend('groupId', 'ref.x')).toBe('acme.ref.x')
    expect(mapper.toBackend('transactionalId', 'shared-tx')).toBe('acme.shared-tx')
    expect(mapper.toClient('transactionalId', 'shared-tx')).toBeUndefined()
  })

  it('hides a prefixed name whose client form is exposed: the client name means the other one', () => {
    expect(mapper.toClient('topicName', 'acme.ref.currencies')).toBeUndefined()
    expect(mapper.toClient('topicName', 'acme.prices')).toBeUndefined()
  })

  it('never shows internal topics, even under a glob that matches them', () => {
    const all = createNameMapper(ns({ prefix: 'acme.', expose: { topics: ['*'], groups: [] } }))
    for (const m of [mapper, all]) {
      expect(m.toClient('topicName', '__consumer_offsets')).toBeUndefined()
      expect(m.toClient('topicName', '__transaction_state')).toBeUndefined()
      expect(m.toBackend('topicName', '__consumer_offsets')).toBeUndefined()
    }
    // Nor the tenant's own topic of that name, which tools would take for the real one.
    expect(mapper.toClient('topicName', 'acme.__consumer_offsets')).toBeUndefined()
    // (With everything exposed, that backend topic is just another shared one, under its own name.)
    expect(all.toClient('topicName', 'acme.__consumer_offsets')).toBe('acme.__consumer_offsets')
    // A group may be called that: only topics are internal.
    expect(mapper.toBackend('groupId', '__consumer_offsets')).toBe('acme.__consumer_offsets')
  })

  it('refuses a client name whose prefixed form is itself exposed (two names, one topic)', () => {
    const m = createNameMapper(
      ns({ prefix: 'acme.', expose: { topics: ['acme.pub*'], groups: [] } })
    )
    expect(m.toBackend('topicName', 'acme.public')).toBe('acme.public')
    expect(m.toBackend('topicName', 'public')).toBeUndefined()
    expect(m.toClient('topicName', 'acme.public')).toBe('acme.public')
  })
})

describe('createNameMapper without hidePrefix', () => {
  const mapper = createNameMapper(
    ns({ prefix: 'acme.', hidePrefix: false, expose: { topics: ['ref.*'], groups: [] } })
  )

  it('keeps names as they are inside the namespace and refuses the rest', () => {
    expect(mapper.toBackend('topicName', 'acme.orders')).toBe('acme.orders')
    expect(mapper.toClient('topicName', 'acme.orders')).toBe('acme.orders')
    expect(mapper.toBackend('topicName', 'orders')).toBeUndefined()
    expect(mapper.toBackend('groupId', 'globex.g')).toBeUndefined()
    expect(mapper.toClient('transactionalId', 'globex.tx')).toBeUndefined()
  })

  it('lets exposed names through and never internal topics', () => {
    expect(mapper.toBackend('topicName', 'ref.fx')).toBe('ref.fx')
    expect(mapper.toClient('topicName', 'ref.fx')).toBe('ref.fx')
    expect(mapper.toBackend('groupId', 'ref.fx')).toBeUndefined()
    expect(mapper.toClient('topicName', '__consumer_offsets')).toBeUndefined()
  })
})

describe('the round trip', () => {
  // Kafka's legal topic characters, plus a few a group id may also hold.
  const nameChar = fc.constantFrom(...'abcxyz019._-:'.split(''))
  const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 12 })
  const kind = fc.constantFrom<NameKind>(...nameKinds)
  const glob = fc.oneof(
    name,
    name.map((n) => `${n}*`),
    name.map((n) => `*${n}`),
    fc.constant('a?c*')
  )
  const config = fc.record({
    prefix: fc.string({ unit: nameChar, minLength: 1, maxLength: 4 }),
    hidePrefix: fc.boolean(),
    expose: fc.record({
      topics: fc.array(glob, { maxLength: 3 }),
      groups: fc.array(glob, { maxLength: 3 }),
    }),
  })

  it('maps every name a client may use back to itself', () => {
    fc.assert(
      fc.property(config, kind, name, (c, k, n) => {
        const mapper = createNameMapper(c)
        const backend = mapper.toBackend(k, n)
        if (backend !== undefined) expect(mapper.toClient(k, backend)).toBe(n)
      }),
      { numRuns: 2000 }
    )
  })

  it('maps every visible backend name back to itself', () => {
    fc.assert(
      fc.property(config, kind, name, fc.boolean(), (c, k, n, prefixed) => {
        const mapper = createNameMapper(c)
        const backend = prefixed ? c.prefix + n : n
        const client = mapper.toClient(k, backend)
        if (client !== undefined) expect(mapper.toBackend(k, client)).toBe(backend)
      }),
      { numRuns: 2000 }
    )
  })

  it('with hidePrefix and nothing exposed, every legal name maps', () => {
    fc.assert(
      fc.property(kind, name, (k, n) => {
        const mapper = createNameMapper(ns({ prefix: 't1.' }))
        const backend = mapper.toBackend(k, n)
        expect(backend).toBe(`t1.${n}`)
        expect(mapper.toClient(k, backend as string)).toBe(n)
      })
    )
  })
})
