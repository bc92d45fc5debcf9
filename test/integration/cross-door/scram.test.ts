// One SCRAM user, every door that takes a password: HTTP produce with Basic credentials and the
// Kafka listener with SCRAM-SHA-256 and SCRAM-SHA-512 (kafkajs). The policy engine checks both
// against the same stored keys, so the user is the same principal everywhere: an ACL naming it
// lets it produce on each door, and a wrong password is refused on each, writing nothing.
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { scramSecrets, type ScramMechanism } from '../../../src/policy/index.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

const PASSWORD = 'alice-scram-secret'

type Door = 'HTTP Basic' | 'Kafka SCRAM-SHA-256' | 'Kafka SCRAM-SHA-512'

interface Case {
  door: Door
  password: string
  /** 'written', or what the door answers instead. */
  expect: 'written' | 'refused'
}

const cases: Case[] = [
  { door: 'HTTP Basic', password: PASSWORD, expect: 'written' },
  { door: 'Kafka SCRAM-SHA-256', password: PASSWORD, expect: 'written' },
  { door: 'Kafka SCRAM-SHA-512', password: PASSWORD, expect: 'written' },
  { door: 'HTTP Basic', password: 'wrong', expect: 'refused' },
  { door: 'Kafka SCRAM-SHA-256', password: 'wrong', expect: 'refused' },
  { door: 'Kafka SCRAM-SHA-512', password: 'wrong', expect: 'refused' },
]

describe('one SCRAM user on every door', () => {
  let url = ''
  let kafkaPort = 0
  let topic = ''

  beforeAll(async () => {
    topic = await createTopic('scram-orders')
    kafkaPort = await freePortRange(3)
    const entry = async (mechanism: ScramMechanism) => {
      const s = await scramSecrets(mechanism, PASSWORD)
      return `{ username: alice, mechanism: ${mechanism}, salt: '${s.salt}', iterations: ${s.iterations}, storedKey: '${s.storedKey}', serverKey: '${s.serverKey}' }`
    }
    const started = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: scram
        users:
          - ${await entry('scram-sha-256')}
          - ${await entry('scram-sha-512')}
    policies: [shop-acl]
policies:
  - name: shop-acl
    kind: acl
    rules:
      - { principals: [alice], names: ['scram-orders-*'], operations: [produce] }
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`)
    url = started.url
  })

  /** Produces one record as alice through `door`; resolves when written, throws otherwise. */
  async function produce(door: Door, password: string): Promise<void> {
    if (door === 'HTTP Basic') {
      const response = await fetch(`${url}/topics/${topic}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ door }),
      })
      if (response.status === 202) return
      throw Object.assign(new Error(`HTTP ${response.status}`), {
        status: response.status,
        contentType: response.headers.get('content-type'),
        challenge: response.headers.get('www-authenticate'),
        problem: await response.json(),
      })
    }
    const sasl: SASLOptions =
      door === 'Kafka SCRAM-SHA-256'
        ? { mechanism: 'scram-sha-256', username: 'alice', password }
        : { mechanism: 'scram-sha-512', username: 'alice', password }
    const producer = new Kafka({
      clientId: 'cross-door-scram',
      brokers: [`127.0.0.1:${kafkaPort}`],
      sasl,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).producer()
    try {
      await producer.connect()
      await producer.send({ topic, messages: [{ value: door }] })
    } finally {
      await producer.disconnect()
    }
  }

  it.each(cases)('$door, password $password: $expect', async ({ door, password, expect: want }) => {
    const before = await endOffsetSum(topic)
    if (want === 'written') {
      await produce(door, password)
      expect(await endOffsetSum(topic)).toBe(before + 1)
      return
    }
    if (door === 'HTTP Basic') {
      await expect(produce(door, password)).rejects.toMatchObject({
        status: 401,
        contentType: expect.stringContaining('application/problem+json'),
        challenge: 'Basic realm="weir", charset="UTF-8"',
        problem: { status: 401, detail: 'invalid username or password' },
      })
    } else {
      const name = door.slice('Kafka '.length)
      // kafkajs shows the listener's error message only for SASL_AUTHENTICATION_FAILED (58);
      // any other code would come with its own generic text.
      await expect(produce(door, password)).rejects.toMatchObject({
        name: 'KafkaJSSASLAuthenticationError',
        message: `SASL SCRAM ${name.slice('SCRAM-'.length).replace('-', '')} authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism ${name}`,
      })
    }
    expect(await endOffsetSum(topic)).toBe(before)
  })
})
