// One schema policy, every door that writes: the same values, valid and invalid, for an Avro and a
// JSON Schema subject on the real registry, produced over HTTP produce, request-reply (its request
// side) and Kafka Produce (kafkajs, with values in the Confluent wire format built by
// @kafkajs/confluent-schema-registry). A value one door accepts every door accepts (202 /
// success, one record written); a value one door refuses every door refuses (422 problem+json
// pointing at the field / INVALID_RECORD naming the record), and nothing is written.
//
// The policy is the plain one (no `validate` setting): over Kafka an invalid value still carries
// the subject's schema id, so only reading it with that schema finds what HTTP finds.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apis, ZERO_UUID, type ProduceResponse } from '../../../src/protocol/index.ts'
import { createRecordBatch, encodeRecordBatch } from '../../../src/protocol/records/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { within } from '../../support/deadline.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack, uniqueName } from '../../support/kafka.ts'
import { onFreePorts } from '../../support/ports.ts'

const INVALID_RECORD = 87

type Format = 'avro' | 'json'

interface Case {
  name: string
  format: Format
  value: Record<string, unknown>
  /** Undefined: accepted everywhere. Else the JSON pointer HTTP names, found in Kafka's message too. */
  refusedAt?: string
}

const cases: Case[] = [
  { name: 'a valid Avro order', format: 'avro', value: { id: 'a-1', qty: 2 } },
  { name: 'an Avro order without qty', format: 'avro', value: { id: 'a-2' }, refusedAt: '/qty' },
  { name: 'a valid JSON order', format: 'json', value: { id: 'j-1', qty: 2 } },
  {
    name: 'a JSON order with qty 0',
    format: 'json',
    value: { id: 'j-2', qty: 0 },
    refusedAt: '/qty',
  },
  {
    name: 'a JSON order with a field the schema forbids',
    format: 'json',
    value: { id: 'j-3', qty: 1, coupon: 'x' },
    refusedAt: '/coupon',
  },
]

const avroOrder = {
  type: 'record',
  name: 'Order',
  namespace: 'weir.crossdoor',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
}
/** What a producer with the wrong schema at hand serializes invalid orders with. */
const avroLoose = { ...avroOrder, name: 'LooseOrder', fields: [{ name: 'id', type: 'string' }] }
const jsonOrder = {
  type: 'object',
  properties: { id: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
  required: ['id', 'qty'],
  additionalProperties: false,
}
const jsonLoose = { type: 'object', properties: { id: { type: 'string' } } }

describe('one schema policy on every door that writes', () => {
  let url = ''
  let kafkaPort = 0
  let producer: Producer
  let registry: SchemaRegistry
  const topics: Record<Format, string> = { avro: '', json: '' }
  /** The subject's schema id, and the id of a looser schema invalid values can be written with. */
  const ids: Record<Format, { subject: number; loose: number }> = {
    avro: { subject: 0, loose: 0 },
    json: { subject: 0, loose: 0 },
  }

  beforeAll(async () => {
    topics.avro = await createTopic('xdoor-avro')
    topics.json = await createTopic('xdoor-json')
    const replies = await createTopic('xdoor-replies')
    registry = new SchemaRegistry({ host: stack().registryUrl })
    const register = (type: SchemaType, schema: object, subject: string) =>
      within(
        `registering ${subject}`,
        15_000,
        registry.register({ type, schema: JSON.stringify(schema) } as never, { subject })
      ).then((r) => r.id)
    ids.avro.subject = await register(SchemaType.AVRO, avroOrder, `${topics.avro}-value`)
    ids.avro.loose = await register(SchemaType.AVRO, avroLoose, uniqueName('xdoor-loose'))
    ids.json.subject = await register(SchemaType.JSON, jsonOrder, `${topics.json}-value`)
    ids.json.loose = await register(SchemaType.JSON, jsonLoose, uniqueName('xdoor-loose'))
    const routes = (['avro', 'json'] as const)
      .map(
        (f) => `      - { path: /${f}, virtualCluster: shop, topic: ${topics[f]} }
      - { path: /${f}-requests, virtualCluster: shop, topic: ${topics[f]}, reply: { topic: ${replies} } }`
      )
      .join('\n')
    ;({ url, kafkaPort } = await onFreePorts(3, async (free) => {
      const started = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    schemaRegistry: registry
    policies: [avro-orders, json-orders]
policies:
  - name: avro-orders
    kind: schema
    topics: ['${topics.avro}']
    value: { format: avro }
  - name: json-orders
    kind: schema
    topics: ['${topics.json}']
    value: { format: json-schema }
listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: cross-door-schema-secret-0123456789abcdef }
    routes:
${routes}
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${free}
`)
      return { url: started.url, kafkaPort: free }
    }))
    const kafka = new Kafka({
      clientId: 'cross-door-schema',
      brokers: [`127.0.0.1:${kafkaPort}`],
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    })
    producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
  })

  afterAll(async () => {
    await producer?.disconnect()
  })

  /**
   * The value as a Kafka producer sends it: serialized by the registry library, with the
   * subject's schema when the value fits it, else with the looser one, framed with the subject's
   * id all the same (a producer whose schema drifted from the subject's).
   */
  async function wireValue(c: Case): Promise<Buffer> {
    const { subject, loose } = ids[c.format]
    if (c.refusedAt === undefined) return registry.encode(subject, c.value)
    const bytes = Buffer.from(await registry.encode(loose, c.value))
    bytes.writeInt32BE(subject, 1)
    return bytes
  }

  const post = (path: string, value: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(value),
    })

  /** One door: produce the case's value, expect the door's own accept or refuse. */
  const doors: Record<string, (c: Case) => Promise<void>> = {
    'HTTP produce': async (c) => {
      const res = await post(`/${c.format}`, c.value)
      await expectHttp(res, c)
    },
    'request-reply': async (c) => {
      const res = await post(`/${c.format}-requests`, c.value, { prefer: 'respond-async' })
      await expectHttp(res, c)
    },
    'Kafka Produce (kafkajs)': async (c) => {
      const sent = producer.send({
        topic: topics[c.format],
        messages: [{ value: await wireValue(c) }],
      })
      if (c.refusedAt === undefined) await expect(sent).resolves.toHaveLength(1)
      else await expect(sent).rejects.toMatchObject({ type: 'INVALID_RECORD' })
    },
    'Kafka Produce v11 (record errors)': async (c) => {
      const client = await WireClient.connect(kafkaPort)
      try {
        const records = await encodeRecordBatch(createRecordBatch([{ value: await wireValue(c) }]))
        const { body } = await client.roundTrip(apis.produce, 11, {
          ...apis.produce.defaultRequest(),
          acks: -1,
          timeoutMs: 10_000,
          topicData: [
            { name: topics[c.format], topicId: ZERO_UUID, partitionData: [{ index: 0, records }] },
          ],
        })
        const [answer] = (body as ProduceResponse).responses.flatMap((t) => t.partitionResponses)
        if (c.refusedAt === undefined) {
          expect(answer).toMatchObject({ errorCode: 0 })
          return
        }
        expect(answer?.errorCode).toBe(INVALID_RECORD)
        expect(answer?.recordErrors).toEqual([
          { batchIndex: 0, batchIndexErrorMessage: expect.stringMatching(/^the value /) as string },
        ])
        // JSON is read, then held to the schema (the pointer named); Avro bytes do not decode.
        const why = c.format === 'json' ? c.refusedAt : 'does not decode'
        expect(answer?.recordErrors[0]?.batchIndexErrorMessage).toContain(why)
      } finally {
        client.destroy()
      }
    },
  }

  for (const c of cases) {
    for (const [door, produce] of Object.entries(doors)) {
      const verdict = c.refusedAt === undefined ? 'accepts' : 'refuses'
      it(`${door} ${verdict} ${c.name}`, async () => {
        const before = await endOffsetSum(topics[c.format])
        await produce(c)
        const written = (await endOffsetSum(topics[c.format])) - before
        expect(written).toBe(c.refusedAt === undefined ? 1 : 0)
      })
    }
  }
})

async function expectHttp(res: Response, c: Case): Promise<void> {
  if (c.refusedAt === undefined) {
    expect(res.status).toBe(202)
    return
  }
  expect(res.status).toBe(422)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = (await res.json()) as { violations: { path: string; part: string }[] }
  expect(problem.violations).toContainEqual(
    expect.objectContaining({ path: c.refusedAt, part: 'value' })
  )
}
