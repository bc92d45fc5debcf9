// Each tenant's identity at the broker (credential mapping), on every door: Weir's Kafka listener
// logs in to the backend as the identity a virtual cluster, or a principal within it, is mapped
// to, and HTTP produce and stream consumers write and read as that same identity, so the broker's
// own ACLs judge the tenant. An identity is a SASL user (tenants a and b, on the stack's SASL
// listener) or a client certificate (tenant c, on its SSL listener, where the broker's principal
// is the certificate's subject). The broker grants alice one topic and bob another, only alice
// may write a third, and only erin's certificate may write a fourth; Weir's own ACL allows
// everyone everything. What the broker lets each tenant's user do is what the tenant can do
// through Weir, which is how the table proves the broker saw that user: what succeeds only that
// user may do, and what it may not do is refused although the SASL backend's own identity (admin)
// is a super user. A broker-side deny reaches the client as TOPIC_AUTHORIZATION_FAILED, or as 403
// on HTTP. A principal left unmapped stays the backend cluster's one identity.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
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
import { issue } from '../../../scripts/local-stack/tls.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectSse, produceRecords } from '../../support/stream-clients.ts'

type Who =
  | 'ann (tenant-a, as alice)'
  | 'dave (tenant-b, as bob)'
  | 'carol (tenant-b, unmapped)'
  | "erin (tenant-c, as erin's certificate)"
  | "frank (tenant-c, as frank's certificate)"
type TopicName = 'alice-only' | 'bob-only' | 'alice-writes' | 'erin-writes'
/** Produce doors write one record; the stream door reads the topic from its start. */
type Door = 'Kafka Produce' | 'HTTP produce' | 'SSE stream'
/**
 * What the broker answers the tenant's identity, as the door says it: `allowed` (written, or
 * read), or TOPIC_AUTHORIZATION_FAILED: the Kafka error itself on the listener; on HTTP 403
 * problem+json whose detail names the topic and the broker's refusal, and nothing written.
 */
type Expect = 'allowed' | 'TOPIC_AUTHORIZATION_FAILED'

const DENIED = 'TOPIC_AUTHORIZATION_FAILED'
const ERIN = "erin (tenant-c, as erin's certificate)"
const FRANK = "frank (tenant-c, as frank's certificate)"
const cases = (
  [
    ['Kafka Produce', 'ann (tenant-a, as alice)', 'alice-only', 'allowed'],
    ['Kafka Produce', 'ann (tenant-a, as alice)', 'bob-only', DENIED],
    ['Kafka Produce', 'ann (tenant-a, as alice)', 'alice-writes', 'allowed'],
    ['Kafka Produce', 'dave (tenant-b, as bob)', 'bob-only', 'allowed'],
    ['Kafka Produce', 'dave (tenant-b, as bob)', 'alice-only', DENIED],
    ['Kafka Produce', 'dave (tenant-b, as bob)', 'alice-writes', DENIED],
    ['Kafka Produce', 'carol (tenant-b, unmapped)', 'alice-writes', 'allowed'],
    ['Kafka Produce', ERIN, 'erin-writes', 'allowed'],
    ['Kafka Produce', FRANK, 'erin-writes', DENIED],
    ['HTTP produce', 'ann (tenant-a, as alice)', 'alice-only', 'allowed'],
    ['HTTP produce', 'ann (tenant-a, as alice)', 'bob-only', DENIED],
    ['HTTP produce', 'ann (tenant-a, as alice)', 'alice-writes', 'allowed'],
    ['HTTP produce', 'dave (tenant-b, as bob)', 'bob-only', 'allowed'],
    ['HTTP produce', 'dave (tenant-b, as bob)', 'alice-only', DENIED],
    ['HTTP produce', 'dave (tenant-b, as bob)', 'alice-writes', DENIED],
    ['HTTP produce', 'carol (tenant-b, unmapped)', 'alice-writes', 'allowed'],
    ['HTTP produce', ERIN, 'erin-writes', 'allowed'],
    ['HTTP produce', FRANK, 'erin-writes', DENIED],
    ['SSE stream', 'ann (tenant-a, as alice)', 'alice-only', 'allowed'],
    ['SSE stream', 'ann (tenant-a, as alice)', 'bob-only', DENIED],
    ['SSE stream', 'dave (tenant-b, as bob)', 'bob-only', 'allowed'],
    ['SSE stream', 'dave (tenant-b, as bob)', 'alice-only', DENIED],
    ['SSE stream', 'carol (tenant-b, unmapped)', 'alice-writes', 'allowed'],
  ] as const satisfies readonly (readonly [Door, Who, TopicName, Expect])[]
).map(([door, who, topic, expect]) => ({ door, who, topic, expect }))

type Tenant = 'tenant-a' | 'tenant-b' | 'tenant-c'

const PASSWORD = 'weir-client-password'

describe('each tenant is its own user at the broker, on every door', () => {
  const ports: Record<Tenant, number> = { 'tenant-a': 0, 'tenant-b': 0, 'tenant-c': 0 }
  const topics = {} as Record<TopicName, string>
  let url = ''

  beforeAll(async () => {
    for (const name of ['alice-only', 'bob-only', 'alice-writes', 'erin-writes'] as const) {
      topics[name] = await createTopic(`identity-${name}`)
      // Something for the stream door to read from the start.
      await produceRecords(topics[name], [{ key: 'seed', value: { seed: name } }])
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
    // Client certificates from the stack's CA, each with a subject of its own: the broker's
    // principal for them is `User:CN=<subject>`.
    const certs = mkdtempSync(path.join(tmpdir(), 'weir-identity-certs-'))
    const stackCa = path.dirname(stack().tls.caFile)
    for (const file of ['ca.crt', 'ca.key'])
      copyFileSync(path.join(stackCa, file), path.join(certs, file))
    const subjects = { erin: uniqueName('weir-erin'), frank: uniqueName('weir-frank') }
    for (const [name, cn] of Object.entries(subjects))
      issue(certs, name, `/CN=${cn}`, 'extendedKeyUsage=clientAuth\n')
    await admin.createAcls({
      acl: [
        grant('alice', topics['alice-only'], AclOperationTypes.ALL),
        grant('bob', topics['bob-only'], AclOperationTypes.ALL),
        grant('alice', topics['alice-writes'], AclOperationTypes.WRITE),
        grant(`CN=${subjects.erin}`, topics['erin-writes'], AclOperationTypes.WRITE),
        // Anyone may see it (Weir's own certificate looks topics up): frank's write is refused
        // by the produce itself.
        grant('*', topics['erin-writes'], AclOperationTypes.DESCRIBE),
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
    // Per tenant, a sync produce route and a stream read from the start.
    const routes = (tenant: Tenant) => `      - path: /${tenant}/produce/{name}
        virtualCluster: ${tenant}
        topic: { from: path, name: name, allowed: ['*'] }
        delivery: { mode: sync, ackTimeoutMs: 10000 }
`
    const streams = (tenant: Tenant) => `      - path: /${tenant}/streams/{topic}
        virtualCluster: ${tenant}
        topics: { from: path, name: topic, allowed: ['*'] }
        start: earliest
`
    ports['tenant-a'] = await freePortRange(3)
    ports['tenant-b'] = await freePortRange(3)
    ports['tenant-c'] = await freePortRange(3)
    const started = await startTestGateway(
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
  - name: tenant-c
    backendCluster: ssl
    authentication: ${basic(['erin', 'frank'])}
    policies: [everyone]
    backendIdentity:
      tls: { certFile: ${certs}/erin.crt, keyFile: '\${ERIN_KEY_FILE}' }
    backendIdentities:
      - principals: [frank]
        tls: { certFile: ${certs}/frank.crt, keyFile: ${certs}/frank.key }
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
    routes:
${routes('tenant-a')}${routes('tenant-b')}${routes('tenant-c')}    streams:
${streams('tenant-a')}${streams('tenant-b')}  - name: kafka-a
    kind: kafka
    virtualCluster: tenant-a
    port: ${ports['tenant-a']}
  - name: kafka-b
    kind: kafka
    virtualCluster: tenant-b
    port: ${ports['tenant-b']}
  - name: kafka-c
    kind: kafka
    virtualCluster: tenant-c
    port: ${ports['tenant-c']}
`,
      { BOB_SECRET: kafkaSaslUsers.bob, ERIN_KEY_FILE: path.join(certs, 'erin.key') },
      `  - name: secure
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: plain, username: admin, password: ${kafkaSaslUsers.admin} }
  - name: ssl
    bootstrapServers: ${stack().sslBootstrap}
    tls: { caFile: ${stack().tls.caFile}, certFile: ${stack().tls.clientCertFile}, keyFile: ${stack().tls.clientKeyFile} }
`
    )
    url = started.url
  })

  const userOf = (who: Who) => who.split(' ')[0] as string
  const tenantOf = (who: Who) => /tenant-[abc]/.exec(who)?.[0] as Tenant
  const basicAuth = (who: Who) => ({
    authorization: `Basic ${Buffer.from(`${userOf(who)}:${PASSWORD}`).toString('base64')}`,
  })

  function client(who: Who): Kafka {
    return new Kafka({
      clientId: 'backend-identity',
      brokers: [`127.0.0.1:${ports[tenantOf(who)]}`],
      sasl: { mechanism: 'plain', username: userOf(who), password: PASSWORD },
      // Enough for a group coordinator still being elected; a broker's deny is not retried.
      retry: { retries: 5 },
      logLevel: logLevel.NOTHING,
    })
  }

  /** An HTTP refusal: 403 problem+json naming the topic and the broker's refusal. */
  async function expectRefusal(response: { status: number; body: unknown }, topic: string) {
    expect(response.status).toBe(403)
    expect(response.body).toMatchObject({
      type: expect.stringContaining('forbidden'),
      detail: expect.stringMatching(new RegExp(`"${topic}".*TOPIC_AUTHORIZATION_FAILED`)),
    })
  }

  const doors: Record<Door, (who: Who, topic: string, want: Expect) => Promise<void>> = {
    'Kafka Produce': async (who, topic, want) => {
      const producer = client(who).producer()
      await producer.connect()
      try {
        const sending = producer.send({ topic, messages: [{ value: who }] })
        if (want === 'allowed') {
          const [written] = await sending
          expect(written).toMatchObject({ topicName: topic, errorCode: 0 })
        } else {
          // The broker's answer to the produce itself, or to kafkajs's metadata request (which
          // wraps it) when the identity may not even describe the topic.
          const error = (await sending.then(
            () => undefined,
            (err: unknown) => err
          )) as { type?: string; cause?: { type?: string } } | undefined
          expect(error?.cause?.type ?? error?.type).toBe(want)
        }
      } finally {
        await producer.disconnect()
      }
    },
    'HTTP produce': async (who, topic, want) => {
      const before = await endOffsetSum(topic)
      const response = await fetch(`${url}/${tenantOf(who)}/produce/${topic}`, {
        method: 'POST',
        headers: { ...basicAuth(who), 'content-type': 'application/json' },
        body: JSON.stringify({ who }),
      })
      const answer = { status: response.status, body: await response.json() }
      if (want === 'allowed') {
        expect(answer).toMatchObject({ status: 202, body: { topic, offset: expect.any(String) } })
        expect(await endOffsetSum(topic)).toBe(before + 1)
      } else {
        await expectRefusal(answer, topic)
        expect(response.headers.get('content-type')).toContain('problem+json')
        expect(await endOffsetSum(topic)).toBe(before) // nothing written
      }
    },
    'SSE stream': async (who, topic, want) => {
      const sse = await connectSse(`${url}/${tenantOf(who)}/streams/${topic}`, basicAuth(who))
      try {
        if (want === 'allowed') {
          expect(sse.status).toBe(200)
          const record = await sse.events.next((e) => e.event === 'record')
          expect(record.data).toContain('seed')
        } else {
          await expectRefusal({ status: sse.status, body: sse.body }, topic)
          expect(sse.headers.get('content-type')).toContain('problem+json')
        }
      } finally {
        sse.close()
      }
    },
  }

  it.each(cases)('$door: $who on $topic: $expect', async ({ door, who, topic, expect: want }) => {
    await doors[door](who, topics[topic], want)
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
