// A virtual cluster's namespace as the HTTP doors use it: the same mapping as the Kafka listener's
// (exposed names, internal topics, the prefix), the identity without a namespace, one 404 for a
// name the tenant cannot see, and consumer groups a door joins on a tenant's behalf.
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import {
  backendGroupIdOf,
  backendTopicOf,
  clientTopicOf,
  createNameMapper,
  namespaceOf,
  type NamespaceConfig,
} from '../../src/namespace/index.ts'

const hidden: NamespaceConfig = {
  prefix: 'acme.',
  hidePrefix: true,
  expose: { topics: ['ref-data', 'shared.*'], groups: ['readers'] },
}
const shown: NamespaceConfig = { ...hidden, hidePrefix: false }

function thrown(run: () => unknown): GatewayError {
  try {
    run()
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('did not throw')
}

describe('namespaceOf', () => {
  it('is the identity without a namespace, internal topics included (ACLs decide those)', () => {
    const ns = namespaceOf({})
    expect(ns.toBackend('topicName', 'orders')).toBe('orders')
    expect(ns.toBackend('topicName', '__consumer_offsets')).toBe('__consumer_offsets')
    expect(ns.toClient('groupId', 'g')).toBe('g')
    expect(ns.prefix).toBe('')
  })

  it('maps exactly as the Kafka listener does, for every kind and name', () => {
    const kafka = createNameMapper(hidden)
    const http = namespaceOf({ namespace: hidden })
    for (const kind of ['topicName', 'groupId', 'transactionalId'] as const) {
      for (const name of ['orders', 'ref-data', 'shared.x', 'readers', '__consumer_offsets']) {
        expect(http.toBackend(kind, name)).toBe(kafka.toBackend(kind, name))
        expect(http.toClient(kind, `acme.${name}`)).toBe(kafka.toClient(kind, `acme.${name}`))
      }
    }
  })

  it('compiles a namespace once while its config lives', () => {
    expect(namespaceOf({ namespace: hidden })).toBe(namespaceOf({ namespace: hidden }))
    expect(namespaceOf({ namespace: { ...hidden } })).not.toBe(namespaceOf({ namespace: hidden }))
  })
})

describe('backendTopicOf and clientTopicOf', () => {
  const ns = namespaceOf({ namespace: hidden })

  it('keeps an exposed topic its name both ways, and prefixes the tenant’s own', () => {
    expect(backendTopicOf(ns, 'ref-data')).toBe('ref-data')
    expect(clientTopicOf(ns, 'ref-data')).toBe('ref-data')
    expect(backendTopicOf(ns, 'shared.prices')).toBe('shared.prices')
    expect(backendTopicOf(ns, 'orders')).toBe('acme.orders')
    expect(clientTopicOf(ns, 'acme.orders')).toBe('orders')
  })

  it('refuses an internal topic with a 404 naming it, with or without a hidden prefix', () => {
    for (const namespace of [hidden, shown]) {
      const error = thrown(() => backendTopicOf(namespaceOf({ namespace }), '__consumer_offsets'))
      expect(error.code).toBe('not-found')
      expect(error.detail).toBe('topic "__consumer_offsets" is outside this virtual cluster')
    }
  })

  it('with the prefix shown, takes prefixed and exposed names and refuses the rest', () => {
    const visible = namespaceOf({ namespace: shown })
    expect(backendTopicOf(visible, 'acme.orders')).toBe('acme.orders')
    expect(backendTopicOf(visible, 'ref-data')).toBe('ref-data')
    expect(thrown(() => backendTopicOf(visible, 'orders')).code).toBe('not-found')
  })

  it('shows a backend name it does not map back as the backend has it', () => {
    // The hidden twin of an exposed topic: no door reads it, but a name is never lost.
    expect(clientTopicOf(ns, 'acme.ref-data')).toBe('acme.ref-data')
  })
})

describe('backendGroupIdOf', () => {
  it('joins an exposed group under its own name, and prefixes the tenant’s own', () => {
    const ns = namespaceOf({ namespace: hidden })
    expect(backendGroupIdOf(ns, 'readers')).toBe('readers')
    expect(backendGroupIdOf(ns, 'dashboards')).toBe('acme.dashboards')
  })

  it('with the prefix shown, keeps a prefixed name and puts any other under the prefix', () => {
    const ns = namespaceOf({ namespace: shown })
    expect(backendGroupIdOf(ns, 'acme.dashboards')).toBe('acme.dashboards')
    expect(backendGroupIdOf(ns, 'readers')).toBe('readers')
    expect(backendGroupIdOf(ns, 'weir-alice')).toBe('acme.weir-alice')
  })

  it('is the name itself without a namespace', () => {
    expect(backendGroupIdOf(namespaceOf({}), 'dashboards')).toBe('dashboards')
  })
})
