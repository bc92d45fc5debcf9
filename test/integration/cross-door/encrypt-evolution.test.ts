// Encryption by schema tag follows schema evolution: an encrypt policy selecting `PII` fields of
// Avro values (the writer schema in the real registry). A record written with v1 of the schema
// (only `email` tagged) has `email` sealed; the next, written with v2 (which tags `phone` too),
// has both sealed, with no config change. Sealed fields stay strings, so the registry's own
// deserializer still reads the stored records; through Weir (no ACL: everyone may decrypt) both
// read clear.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { within } from '../../support/deadline.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { Inbox } from '../../support/stream-clients.ts'

const SEALED = /^weir-enc:v1:[A-Za-z0-9_-]+$/
const clear = { name: 'jane', email: 'jane@example.com', phone: '+44 20 7946 0000' }

const schema = (phoneTags: string[], extra: object[] = []) => ({
  type: 'record',
  name: 'Customer',
  namespace: 'weir.encrypt',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'phone', type: 'string', 'confluent:tags': phoneTags },
    ...extra,
  ],
})

type Decoded = Record<string, unknown>

describe('encryption by schema tag follows schema evolution', () => {
  let topic = ''
  let kafkaPort = 0
  let registry: SchemaRegistry
  const ids: number[] = []
  let producer: Producer
  /** A client of Weir's Kafka listener. */
  let weirKafka: Kafka
  const consumers: Consumer[] = []

  beforeAll(async () => {
    topic = await createTopic('encrypt-evolution')
    registry = new SchemaRegistry({ host: stack().registryUrl })
    const subject = `${topic}-value`
    // v2 tags phone too (and adds a field with a default, a compatible change).
    const versions = [schema([]), schema(['PII'], [{ name: 'note', type: 'string', default: '' }])]
    for (const version of versions) {
      const registered = await within(
        `registering ${subject}`,
        15_000,
        registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(version) }, { subject })
      )
      ids.push(registered.id)
    }
    expect(new Set(ids).size).toBe(2)
    const dir = mkdtempSync(join(tmpdir(), 'weir-keyring-'))
    const keyring = join(dir, 'keyring.yaml')
    writeFileSync(keyring, `keys:\n  customers: ${randomBytes(32).toString('base64')}\n`)
    kafkaPort = await freePortRange(3)
    const { url } = await startTestGateway(`kms:
  - { name: local, kind: keyring, file: '${keyring}' }
virtualClusters:
  - name: shop
    backendCluster: main
    schemaRegistry: registry
    policies: [pii]
policies:
  - name: pii
    kind: encrypt
    topics: ['${topic}']
    kms: local
    kekId: customers
    fields: { tags: [PII] }
listeners:
  - name: public
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`)
    await waitReady(url)
    const weir = new Kafka({
      clientId: 'encrypt-evolution',
      brokers: [`127.0.0.1:${kafkaPort}`],
      logLevel: logLevel.NOTHING,
    })
    producer = weir.producer()
    await producer.connect()
    for (const [i, id] of ids.entries()) {
      const value = await registry.encode(id, { ...clear, name: `v${i + 1}` })
      await producer.send({ topic, messages: [{ value }] })
    }
    weirKafka = weir
  }, 60_000)

  afterAll(async () => {
    await producer?.disconnect()
    await Promise.all(consumers.map((c) => c.disconnect()))
  })

  /** Both records, decoded with the registry, as `kafka` delivers them. */
  const readBoth = async (kafka: Kafka): Promise<Map<string, Decoded>> => {
    const consumer = kafka.consumer({ groupId: uniqueName('evolution') })
    consumers.push(consumer)
    const inbox = new Inbox<Decoded>()
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        inbox.push((await registry.decode(message.value as Buffer)) as Decoded)
      },
    })
    const got = await inbox.take(2, undefined, 30_000)
    return new Map(got.map((d) => [d.name as string, d]))
  }

  it('stored: v1 has email sealed, v2 email and phone, with no config change', async () => {
    const stored = await readBoth(testKafka('encrypt-evolution-backend'))
    expect(stored.get('v1')?.email).toMatch(SEALED)
    expect(stored.get('v1')?.phone).toBe(clear.phone)
    expect(stored.get('v2')?.email).toMatch(SEALED)
    expect(stored.get('v2')?.phone).toMatch(SEALED)
  }, 40_000)

  it('read through Weir: both clear', async () => {
    const shown = await readBoth(weirKafka)
    for (const name of ['v1', 'v2']) {
      expect(shown.get(name)).toMatchObject({ email: clear.email, phone: clear.phone })
    }
  }, 40_000)
})
