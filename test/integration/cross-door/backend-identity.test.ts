// Each tenant's identity at the broker (credential mapping): Weir's Kafka listener logs in to the
// backend's SASL listener as the user a virtual cluster, or a principal within it, is mapped to,
// so the broker's own ACLs judge the tenant. The broker grants alice one topic and bob another,
// and only alice may write a third; Weir's own ACL allows everyone everything. What the broker
// lets each tenant's user do is what the tenant can do through Weir, and a broker-side deny
// reaches the client as TOPIC_AUTHORIZATION_FAILED. A principal left unmapped stays the backend
// cluster's one identity (admin, a broker super user).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { kafkaSaslUsers } from '../../../scripts/local-stack/kafka.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

type Who = 'ann (tenant-a, as alice)' | 'dave (tenant-b, as bob)' | 'carol (tenant-b, unmapped)'
type TopicName = 'alice-only' | 'bob-only' | 'alice-writes'

interface Case {
  who: Who
  topic: TopicName
  /** What the broker answers the tenant's user. */
  expect: 'written' | 'TOPIC_AUTHORIZATION_FAILED'
}

const cases: Case[] = [
  { who: 'ann (tenant-a, as alice)', topic: 'alice-only', expect: 'written' },
  { who: 'ann (tenant-a, as alice)', topic: 'bob-only', expect: 'TOPIC_AUTHORIZATION_FAILED' },
  { who: 'ann (tenant-a, as alice)', topic: 'alice-writes', expect: 'written' },
  { who: 'dave (tenant-b, as bob)', topic: 'bob-only', expect: 'written' },
  { who: 'dave (tenant-b, as bob)', topic: 'alice-only', expect: 'TOPIC_AUTHORIZATION_FAILED' },
  { who: 'dave (tenant-b, as bob)', topic: 'alice-writes', expect: 'TOPIC_AUTHORIZATION_FAILED' },
  { who: 'carol (tenant-b, unmapped)', topic: 'alice-writes', expect: 'written' },
]

const PASSWORD = 'weir-client-password'

describe('each tenant logs in to the broker as its own user', () => {
  const ports: Record<'tenant-a' | 'tenant-b', number> = { 'tenant-a': 0, 'tenant-b': 0 }
  const topics = {} as Record<TopicName, string>

  beforeAll(async () => {
    for (const name of ['alice-only', 'bob-only', 'alice-writes'] as const) {
      topics[name] = await createTopic(`identity-${name}`)
    }
    // The PLAINTEXT listener's ANONYMOUS is a broker super user: it may create ACLs.
    const admin = testKafka('weir-test-acls').admin()
    await admin.connect()
    const grant = (user: string, topic: string, operation: AclOperationTypes) => ({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${user}`,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    })
    await admin.createAcls({
      acl: [
        grant('alice', topics['alice-only'], AclOperationTypes.ALL),
        grant('bob', topics['bob-only'], AclOperationTypes.ALL),
        grant('alice', topics['alice-writes'], AclOperationTypes.WRITE),
      ],
    })
    await admin.disconnect()

    // alice's password from a file, bob's from the environment: neither is in the config.
    const secrets = mkdtempSync(path.join(tmpdir(), 'weir-identity-'))
    const aliceFile = path.join(secrets, 'alice')
    writeFileSync(aliceFile, `${kafkaSaslUsers.alice}\n`, { mode: 0o600 })
    const hash = await hashPassword(PASSWORD)
    const basic = (users: string[]) =>
      `[{ kind: basic, users: [${users.map((u) => `{ username: ${u}, passwordHash: '${hash}' }`).join(', ')}] }]`
    ports['tenant-a'] = await freePortRange(3)
    ports['tenant-b'] = await freePortRange(3)
    await startTestGateway(
      `virtualClusters:
  - name: tenant-a
    backendCluster: secure
    authentication: ${basic(['ann'])}
    policies: [everyone]
    backendIdentity:
      sasl: { mechanism: scram-sha-512, username: alice, password: '\${file:${aliceFile}}' }
  - name: tenant-b
    backendCluster: secure
    authentication: ${basic(['dave', 'carol'])}
    policies: [everyone]
    backendIdentities:
      - principals: [dave]
        sasl: { mechanism: scram-sha-256, username: bob, password: '\${BOB_SECRET}' }
policies:
  - name: everyone
    kind: acl
    rules:
      - { principals: ['*'], names: ['*'], operations: [produce, consume, describe, manage] }
      - { principals: ['*'], resource: group, names: ['*'], operations: [consume, describe] }
listeners:
  - name: public
    kind: http
    port: 0
  - name: kafka-a
    kind: kafka
    virtualCluster: tenant-a
    port: ${ports['tenant-a']}
  - name: kafka-b
    kind: kafka
    virtualCluster: tenant-b
    port: ${ports['tenant-b']}
`,
      { BOB_SECRET: kafkaSaslUsers.bob },
      `  - name: secure
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: plain, username: admin, password: ${kafkaSaslUsers.admin} }
`
    )
  })

  function client(who: Who): Kafka {
    const user = who.split(' ')[0] as string
    const tenant = who.includes('tenant-a') ? 'tenant-a' : 'tenant-b'
    return new Kafka({
      clientId: 'backend-identity',
      brokers: [`127.0.0.1:${ports[tenant]}`],
      sasl: { mechanism: 'plain', username: user, password: PASSWORD },
      // Enough for a group coordinator still being elected; a broker's deny is not retried.
      retry: { retries: 5 },
      logLevel: logLevel.NOTHING,
    })
  }

  it.each(cases)('Kafka Produce: $who on $topic: $expect', async ({ who, topic, expect: want }) => {
    const producer = client(who).producer()
    await producer.connect()
    try {
      const sending = producer.send({ topic: topics[topic], messages: [{ value: who }] })
      if (want === 'written') {
        const [written] = await sending
        expect(written).toMatchObject({ topicName: topics[topic], errorCode: 0 })
      } else {
        await expect(sending).rejects.toMatchObject({ cause: { type: want } })
      }
    } finally {
      await producer.disconnect()
    }
  })

  it.each([
    { who: 'ann (tenant-a, as alice)', topic: 'alice-only' },
    { who: 'dave (tenant-b, as bob)', topic: 'bob-only' },
  ] as const)('Kafka Fetch: $who consumes $topic as its broker user', async ({ who, topic }) => {
    const kafka = client(who)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: topics[topic], messages: [{ key: 'fetch', value: who }] })
    await producer.disconnect()
    const consumer = kafka.consumer({ groupId: uniqueName('identity') })
    await consumer.connect()
    try {
      await consumer.subscribe({ topic: topics[topic], fromBeginning: true })
      const value = await new Promise<string>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error))
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (String(message.key) === 'fetch') resolve(String(message.value))
          },
        })
      })
      expect(value).toBe(who)
    } finally {
      await consumer.disconnect()
    }
  })
})
