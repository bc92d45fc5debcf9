// What each kind of configuration change does to a running node: only what a socket depends on
// restarts, and only the listener concerned.
import { describe, expect, it } from 'vitest'
import { validateConfigObject, type WeirConfig } from '../../src/config/index.ts'
import { planReload } from '../../src/control/reload-plan.ts'

// Edits reach deep into the document; a loose type keeps them short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>

function base(): Doc {
  return {
    backendClusters: [{ name: 'main', bootstrapServers: ['127.0.0.1:9092'] }],
    schemaRegistries: [{ name: 'registry', url: 'http://127.0.0.1:8081' }],
    virtualClusters: [
      { name: 'vc', backendCluster: 'main', policies: ['acl'] },
      {
        name: 'tenant',
        backendCluster: 'main',
        namespace: { prefix: 'tenant.' },
        authentication: [
          { kind: 'api-key', keys: [{ principal: 'alice', sha256: 'a'.repeat(64) }] },
        ],
      },
    ],
    policies: [
      {
        name: 'acl',
        kind: 'acl',
        rules: [{ principals: ['*'], names: ['*'], operations: ['produce'] }],
      },
    ],
    listeners: [
      {
        name: 'public',
        kind: 'http',
        port: 8080,
        routes: [{ path: '/orders', topic: 'orders', virtualCluster: 'vc' }],
      },
      { name: 'other', kind: 'http', port: 8081 },
      { name: 'kafka', kind: 'kafka', port: 9192, virtualCluster: 'tenant' },
    ],
  }
}

const config = (doc: Doc): WeirConfig => validateConfigObject(doc, 'test')

/** The plan from the base config to the base config edited by `edit`. */
function planOf(edit: (doc: Doc) => void) {
  const next = base()
  edit(next)
  return planReload(config(base()), config(next))
}

describe('planReload', () => {
  it('finds nothing to do when the configs are equal', () => {
    const plan = planOf(() => undefined)
    expect(plan).toEqual({ unchanged: true, policies: false, logging: false, listeners: [] })
  })

  it('takes a policy change in place, touching no listener', () => {
    const plan = planOf((doc) => {
      doc.policies[0].rules[0].effect = 'deny'
    })
    expect(plan.unchanged).toBe(false)
    expect(plan.policies).toBe(true)
    expect(plan.restartAll).toBeUndefined()
    expect(plan.listeners).toEqual([])
  })

  it('takes a change of a virtual cluster policy list in place', () => {
    const plan = planOf((doc) => {
      doc.virtualClusters[0].policies = []
    })
    expect(plan.policies).toBe(true)
    expect(plan.listeners).toEqual([])
  })

  it('takes a KMS change in place: the engine holds the providers encrypt policies use', () => {
    const plan = planOf((doc) => {
      doc.kms = [{ name: 'local', kind: 'keyring', file: './keyring.yaml' }]
    })
    expect(plan.policies).toBe(true)
    expect(plan.restartAll).toBeUndefined()
    expect(plan.listeners).toEqual([])
  })

  it('takes a dataKeys change in place: the engine holds the data keys', () => {
    const plan = planOf((doc) => {
      doc.dataKeys = { ttlMs: 1_000 }
    })
    expect(plan).toMatchObject({ policies: true, listeners: [] })
    expect(plan.restartAll).toBeUndefined()
  })

  it('takes a logging level change in place', () => {
    const plan = planOf((doc) => {
      doc.logging = { level: 'debug' }
    })
    expect(plan).toMatchObject({ unchanged: false, logging: true, policies: false, listeners: [] })
  })

  it('updates the handler of the http listener whose routes changed, and only that one', () => {
    const plan = planOf((doc) => {
      doc.listeners[0].routes.push({ path: '/payments', topic: 'payments', virtualCluster: 'vc' })
    })
    expect(plan.policies).toBe(false)
    expect(plan.listeners).toEqual([
      { kind: 'update', listener: 'public', reason: 'routes changed' },
    ])
  })

  it('updates the handler of an http listener whose cors changed, without a restart', () => {
    const plan = planOf((doc) => {
      doc.listeners[1].cors = { origins: ['https://app.example.com'] }
    })
    expect(plan.listeners).toEqual([{ kind: 'update', listener: 'other', reason: 'cors changed' }])
  })

  it('restarts the http listener whose port changed, and only that one', () => {
    const plan = planOf((doc) => {
      doc.listeners[1].port = 8082
    })
    expect(plan.listeners).toEqual([
      { kind: 'restart', listener: 'other', reason: 'server settings changed' },
    ])
  })

  it('restarts a kafka listener whose own settings changed', () => {
    const plan = planOf((doc) => {
      doc.listeners[2].advertisedHost = 'weir.example.com'
    })
    expect(plan.listeners).toEqual([
      { kind: 'restart', listener: 'kafka', reason: 'listener settings changed' },
    ])
  })

  it("restarts a kafka listener when its virtual cluster's namespace changed", () => {
    const plan = planOf((doc) => {
      doc.virtualClusters[1].namespace.prefix = 'other.'
    })
    expect(plan.listeners).toContainEqual({
      kind: 'restart',
      listener: 'kafka',
      reason: 'virtual cluster "tenant" namespace changed',
    })
    expect(plan.listeners.filter((a) => a.kind === 'restart')).toHaveLength(1)
  })

  it("restarts a kafka listener when its virtual cluster's authentication changed", () => {
    const plan = planOf((doc) => {
      doc.virtualClusters[1].authentication[0].keys[0].sha256 = 'b'.repeat(64)
    })
    expect(plan.policies).toBe(true)
    expect(plan.listeners).toEqual([
      {
        kind: 'restart',
        listener: 'kafka',
        reason: 'virtual cluster "tenant" authentication changed',
      },
    ])
  })

  it('leaves a kafka listener alone when only its virtual cluster policies changed', () => {
    const plan = planOf((doc) => {
      doc.virtualClusters[1].policies = ['acl']
    })
    expect(plan.policies).toBe(true)
    expect(plan.listeners).toEqual([])
  })

  it('restarts every listener when a backend cluster changed', () => {
    const plan = planOf((doc) => {
      doc.backendClusters[0].bootstrapServers = ['127.0.0.1:9093']
    })
    expect(plan.restartAll).toBe('backend clusters changed')
    expect(plan.listeners.map((a) => [a.kind, a.listener])).toEqual([
      ['restart', 'public'],
      ['restart', 'other'],
      ['restart', 'kafka'],
    ])
  })

  it('restarts every listener when a schema registry changed', () => {
    const plan = planOf((doc) => {
      doc.schemaRegistries[0].url = 'http://127.0.0.1:8082'
    })
    expect(plan.restartAll).toBe('schema registries changed')
    expect(plan.listeners).toHaveLength(3)
  })

  it('restarts every listener when the shared state store is added or changed', () => {
    const plan = planOf((doc) => {
      doc.state = { kind: 'redis', url: 'redis://127.0.0.1:6379' }
    })
    expect(plan.restartAll).toBe('shared state store changed')
    expect(plan.listeners).toHaveLength(3)
  })

  it('starts a listener that was added and stops one that was removed', () => {
    const plan = planOf((doc) => {
      doc.listeners = doc.listeners.filter((l: Doc) => l.name !== 'other')
      doc.listeners.push({ name: 'added', kind: 'http', port: 8083 })
    })
    expect(plan.listeners).toEqual([
      { kind: 'stop', listener: 'other' },
      { kind: 'start', listener: 'added' },
    ])
  })

  it('restarts a listener whose kind changed under the same name', () => {
    const plan = planOf((doc) => {
      doc.listeners[1] = { name: 'other', kind: 'kafka', port: 9300, virtualCluster: 'vc' }
    })
    expect(plan.listeners).toEqual([{ kind: 'restart', listener: 'other', reason: 'kind changed' }])
  })

  describe('a kafka listener serving virtual clusters by SNI', () => {
    /** The base config with its kafka listener on SNI, serving `served`, and `more` tenants. */
    const sniDoc = (doc: Doc, served: string[], more: string[] = []) => {
      for (const name of more) {
        doc.virtualClusters.push({
          name,
          backendCluster: 'main',
          namespace: { prefix: `${name}.` },
        })
      }
      doc.listeners[2] = {
        name: 'kafka',
        kind: 'kafka',
        port: 9192,
        virtualClusters: served,
        tls: { certFile: 'weir.crt', keyFile: 'weir.key' },
        sni: { domain: 'kafka.example.com', hostFormat: 'shared-suffix' },
      }
    }
    // The http listeners' handlers are rebuilt on any virtual cluster change: not the point here.
    const kafkaActions = (p: ReturnType<typeof planReload>) =>
      p.listeners.filter((a) => a.listener === 'kafka')
    const plan = (before: (doc: Doc) => void, after: (doc: Doc) => void) => {
      const current = base()
      before(current)
      const next = base()
      after(next)
      return planReload(config(current), config(next))
    }

    it('updates it in place when a virtual cluster joins the list, and when one leaves', () => {
      const joined = plan(
        (doc) => sniDoc(doc, ['tenant']),
        (doc) => sniDoc(doc, ['tenant', 'b'], ['b'])
      )
      expect(kafkaActions(joined)).toEqual([
        { kind: 'update', listener: 'kafka', reason: 'virtual clusters joined: b' },
      ])
      const left = plan(
        (doc) => sniDoc(doc, ['tenant', 'b'], ['b']),
        (doc) => sniDoc(doc, ['tenant'], ['b'])
      )
      expect(kafkaActions(left)).toEqual([
        { kind: 'update', listener: 'kafka', reason: 'virtual clusters left: b' },
      ])
    })

    it('updates it in place when a virtual cluster its glob matches is added to the config', () => {
      const result = plan(
        (doc) => sniDoc(doc, ['t*'], ['t1']),
        (doc) => sniDoc(doc, ['t*'], ['t1', 't2'])
      )
      expect(kafkaActions(result)).toEqual([
        { kind: 'update', listener: 'kafka', reason: 'virtual clusters joined: t2' },
      ])
    })

    it("updates it in place when one virtual cluster's connection settings changed", () => {
      const result = plan(
        (doc) => sniDoc(doc, ['tenant', 'b'], ['b']),
        (doc) => {
          sniDoc(doc, ['tenant', 'b'], ['b'])
          doc.virtualClusters[2].namespace.prefix = 'other.'
        }
      )
      expect(kafkaActions(result)).toEqual([
        { kind: 'update', listener: 'kafka', reason: 'virtual cluster "b" namespace changed' },
      ])
    })

    it('restarts it when its own settings changed', () => {
      const result = plan(
        (doc) => sniDoc(doc, ['tenant']),
        (doc) => {
          sniDoc(doc, ['tenant'])
          doc.listeners[2].sni.domain = 'kafka.example.org'
        }
      )
      expect(kafkaActions(result)).toEqual([
        { kind: 'restart', listener: 'kafka', reason: 'listener settings changed' },
      ])
    })
  })
})
