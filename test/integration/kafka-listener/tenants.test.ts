// Two tenants on one backend through the Kafka listener, each a namespaced virtual cluster with
// SASL at the gateway (SCRAM for one, PLAIN for the other), while Weir logs in to the broker's
// SASL listener with its own credentials. Neither tenant ever sees the other's topics or groups.
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { scramSecrets } from '../../../src/policy/index.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

describe('tenants on the Kafka listener', () => {
  const ports = { a: 0, b: 0 }
  const prefix = { a: `${uniqueName('ta')}.`, b: `${uniqueName('tb')}.` }

  beforeAll(async () => {
    const alice = await scramSecrets('scram-sha-256', 'alice-password')
    ports.a = await freePortRange(3)
    ports.b = await freePortRange(3)
    await startTestGateway(
      `virtualClusters:
  - name: tenant-a
    backendCluster: secure
    namespace: { prefix: '${prefix.a}' }
    authentication:
      - kind: scram
        users:
          - { username: alice, mechanism: scram-sha-256, salt: '${alice.salt}', iterations: ${alice.iterations}, storedKey: '${alice.storedKey}', serverKey: '${alice.serverKey}' }
  - name: tenant-b
    backendCluster: secure
    namespace: { prefix: '${prefix.b}' }
    authentication:
      - kind: basic
        users:
          - { username: bob, passwordHash: '${await hashPassword('bob-password')}' }
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka-a
    kind: kafka
    virtualCluster: tenant-a
    port: ${ports.a}
  - name: kafka-b
    kind: kafka
    virtualCluster: tenant-b
    port: ${ports.b}
`,
      {},
      `  - name: secure
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: scram-sha-512, username: admin, password: admin-secret }
`
    )
  })

  const client = (port: number, sasl: SASLOptions) =>
    new Kafka({
      clientId: 'tenant-test',
      brokers: [`127.0.0.1:${port}`],
      sasl,
      logLevel: logLevel.NOTHING,
    })
  const tenantA = () =>
    client(ports.a, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-password' })
  const tenantB = () =>
    client(ports.b, { mechanism: 'plain', username: 'bob', password: 'bob-password' })

  it('gives each tenant its own topics and groups under the same names', async () => {
    const topic = 'orders'
    for (const [tenant, value] of [
      [tenantA(), 'from a'],
      [tenantB(), 'from b'],
    ] as const) {
      const admin = tenant.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })
      expect(await admin.listTopics()).toEqual([topic])
      await admin.disconnect()
      const producer = tenant.producer()
      await producer.connect()
      await producer.send({ topic, messages: [{ key: 'k', value }] })
      await producer.disconnect()
      const consumer = tenant.consumer({ groupId: 'readers' })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const got = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) })
      })
      await consumer.disconnect()
      // Each tenant reads only what it wrote, from its own "orders".
      expect(got).toBe(value)
      const groups = tenant.admin()
      await groups.connect()
      expect((await groups.listGroups()).groups.map((g) => g.groupId)).toEqual(['readers'])
      await groups.disconnect()
    }
    // On the backend, both live side by side under their prefixes.
    const backend = testKafka().admin()
    await backend.connect()
    const topics = await backend.listTopics()
    expect(topics).toEqual(expect.arrayContaining([`${prefix.a}orders`, `${prefix.b}orders`]))
    const groups = (await backend.listGroups()).groups.map((g) => g.groupId)
    expect(groups).toEqual(expect.arrayContaining([`${prefix.a}readers`, `${prefix.b}readers`]))
    await backend.disconnect()
  })

  it('refuses wrong credentials and mechanisms the tenant does not offer', async () => {
    const wrong = client(ports.a, {
      mechanism: 'scram-sha-256',
      username: 'alice',
      password: 'not-it',
    }).admin()
    await expect(wrong.connect()).rejects.toThrow(/SASL|uthentication/)
    const plainOnA = client(ports.a, {
      mechanism: 'plain',
      username: 'alice',
      password: 'alice-password',
    }).admin()
    await expect(plainOnA.connect()).rejects.toThrow(/mechanism|SASL/i)
  })
})
