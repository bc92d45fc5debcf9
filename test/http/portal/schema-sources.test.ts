// The schema the portal documents for a topic is the one its records are written with: looked up
// under the backend topic's subject, which the virtual cluster's namespace decides as on every
// other door (an exposed topic keeps its own name; the tenant's own topics carry the prefix).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { SchemaSources } from '../../../src/http/portal/schema-sources.ts'
import { startFakeRegistry, type FakeRegistry } from '../../schema/fake-registry.ts'

const order = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] }
const rate = { type: 'record', name: 'Rate', fields: [{ name: 'eur', type: 'double' }] }

let fake: FakeRegistry
beforeEach(async () => {
  fake = await startFakeRegistry()
})
afterEach(() => fake.close())

describe('SchemaSources in a namespaced virtual cluster', () => {
  it('looks up subjects under the client topic name, as produce does on every door: the tenant’s own and an exposed one', async () => {
    fake.add('orders-value', order)
    fake.add('ref-data-value', rate)
    const sources = new SchemaSources(
      parseConfig(`
backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
schemaRegistries: [{ name: reg, url: '${fake.url}', requestTimeoutMs: 500 }]
virtualClusters:
  - name: acme
    backendCluster: main
    schemaRegistry: reg
    namespace: { prefix: acme., expose: { topics: [ref-data] } }
    policies: [avro]
policies:
  - { name: avro, kind: schema, topics: ['*'], value: { format: avro } }
listeners: [{ name: public, kind: http, port: 0 }]
`)
    )
    const resolve = (topic: string) =>
      sources.resolve({ virtualCluster: 'acme', policies: [], topic, part: 'value' })
    expect(await resolve('orders')).toMatchObject({ kind: 'schema', name: 'orders-value' })
    expect(await resolve('ref-data')).toMatchObject({ kind: 'schema', name: 'ref-data-value' })
  })
})
