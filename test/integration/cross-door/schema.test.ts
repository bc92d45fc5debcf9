// One schema policy, every door that writes: the same values, valid and invalid, for an Avro and a
// JSON Schema subject on the real registry, produced over HTTP produce, request-reply (its request
// side) and Kafka Produce (kafkajs, with values in the Confluent wire format built by
// @kafkajs/confluent-schema-registry). A value one door accepts every door accepts (202 /
// success, one record written); a value one door refuses every door refuses (422 problem+json
// pointing at the field / INVALID_RECORD naming the record), and nothing is written.
//
// The policy is the plain one (no `validate` setting): over Kafka an invalid value still carries
// the subject's schema id, so only reading it with that schema finds what HTTP finds. A tenant
// behind a namespace has its subjects named after the topic names its clients use, on every door.
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

/** A topic with a schema policy: Avro or JSON Schema, in a plain or a namespaced virtual cluster. */
type Where = 'avro' | 'json' | 'tenant-json'

interface Case {
  name: string
  where: Where
  value: Record<string, unknown>
  /** Undefined: accepted everywhere. Else the JSON pointer HTTP names, found in Kafka's message too. */
  refusedAt?: string
}

const cases: Case[] = [
  { name: 'a valid Avro order', where: 'avro', value: { id: 'a-1', qty: 2 } },
  { name: 'an Avro order without qty', where: 'avro', value: { id: 'a-2' }, refusedAt: '/qty' },
  { name: 'a valid JSON order', where: 'json', value: { id: 'j-1', qty: 2 } },
  {
    name: 'a JSON order with qty 0',
    where: 'json',
    value: { id: 'j-2', qty: 0 },
    refusedAt: '/qty',
  },
  {
    name: 'a JSON order with a field the schema forbids',
    where: 'json',
    value: { id: 'j-3', qty: 1, coupon: 'x' },
    refusedAt: '/coupon',
  },
  // The subject is named after the topic as the tenant's clients name it, on every door (a Kafka
  // client's serializer knows no other name); only that subject is registered.
  { name: 'a valid JSON order of a tenant', where: 'tenant-json', value: { id: 't-1', qty: 1 } },
  {
    name: 'a JSON order with qty 0 of a tenant',
    where: 'tenant-json',
    value: { id: 't-2', qty: 0 },
    refusedAt: '/qty',
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

/** The tenant's namespace: its clients name topics without this prefix. */
const PREFIX = 'xdoor-t-'

interface Target {
  /** The broker's name for the topic, and the name the virtual cluster's clients use. */
  backend: string
  client: string
  /** The subject's schema id, and the id of a looser schema invalid values are written with. */
  subjectId: number
  looseId: number
  producer: Producer
  kafkaPort: number
}

describe('one schema policy on every door that writes', () => {
  let url = ''
  let registry: SchemaRegistry
  const targets = {} as Record<Where, Target>
  const producers: Producer[] = []

  beforeAll(async () => {
    const avro = await createTopic('xdoor-avro')
    const json = await createTopic('xdoor-json')
    const tenant = await createTopic(`${PREFIX}json`)
    const replies = await createTopic('xdoor-replies')
    const tenantReplies = await createTopic(`${PREFIX}replies`)
    const unprefixed = (topic: string) => topic.slice(PREFIX.length)
    registry = new SchemaRegistry({ host: stack().registryUrl })
    const register = (type: SchemaType, schema: object, subject: string) =>
      within(
        `registering ${subject}`,
        15_000,
        registry.register({ type, schema: JSON.stringify(schema) } as never, { subject })
      ).then((r) => r.id)
    const avroLooseId = await register(SchemaType.AVRO, avroLoose, uniqueName('xdoor-loose'))
    const jsonLooseId = await register(SchemaType.JSON, jsonLoose, uniqueName('xdoor-loose'))
    const ids = {
      avro: await register(SchemaType.AVRO, avroOrder, `${avro}-value`),
      json: await register(SchemaType.JSON, jsonOrder, `${json}-value`),
      'tenant-json': await register(SchemaType.JSON, jsonOrder, `${unprefixed(tenant)}-value`),
    }
    const route = (path: string, vc: string, topic: string, reply: string) =>
      `      - { path: /${path}, virtualCluster: ${vc}, topic: ${topic} }
      - { path: /${path}-requests, virtualCluster: ${vc}, topic: ${topic}, reply: { topic: ${reply} } }`
    const kafkaPort = await onFreePorts(6, async (free) => {
      const started = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    schemaRegistry: registry
    policies: [avro-orders, json-orders]
  - name: tenant
    backendCluster: main
    schemaRegistry: registry
    namespace: { prefix: ${PREFIX}, hidePrefix: true }
    policies: [tenant-orders]
policies:
  - name: avro-orders
    kind: schema
    topics: ['${avro}']
    value: { format: avro }
  - name: json-orders
    kind: schema
    topics: ['${json}']
    value: { format: json-schema }
  - name: tenant-orders
    kind: schema
    topics: ['${unprefixed(tenant)}']
    value: { format: json-schema }
listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: cross-door-schema-secret-0123456789abcdef }
    routes:
${route('avro', 'shop', avro, replies)}
${route('json', 'shop', json, replies)}
${route('tenant-json', 'tenant', unprefixed(tenant), unprefixed(tenantReplies))}
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${free}
  - name: tenant-kafka
    kind: kafka
    virtualCluster: tenant
    port: ${free + 3}
`)
      url = started.url
      return free
    })
    const connect = async (port: number) => {
      const producer = new Kafka({
        clientId: 'cross-door-schema',
        brokers: [`127.0.0.1:${port}`],
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      }).producer({ allowAutoTopicCreation: false })
      await producer.connect()
      producers.push(producer)
      return producer
    }
    const [shopProducer, tenantProducer] = [await connect(kafkaPort), await connect(kafkaPort + 3)]
    const target = (backend: string, where: Where, looseId: number, tenanted = false) => ({
      backend,
      client: tenanted ? unprefixed(backend) : backend,
      subjectId: ids[where],
      looseId,
      producer: tenanted ? tenantProducer : shopProducer,
      kafkaPort: tenanted ? kafkaPort + 3 : kafkaPort,
    })
    targets.avro = target(avro, 'avro', avroLooseId)
    targets.json = target(json, 'json', jsonLooseId)
    targets['tenant-json'] = target(tenant, 'tenant-json', jsonLooseId, true)
  })

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()))
  })

  /**
   * The value as a Kafka producer sends it: serialized by the registry library, with the
   * subject's schema when the value fits it, else with the looser one, framed with the subject's
   * id all the same (a producer whose schema drifted from the subject's).
   */
  async function wireValue(c: Case): Promise<Buffer> {
    const { subjectId, looseId } = targets[c.where]
    if (c.refusedAt === undefined) return registry.encode(subjectId, c.value)
    const bytes = Buffer.from(await registry.encode(looseId, c.value))
    bytes.writeInt32BE(subjectId, 1)
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
      const res = await post(`/${c.where}`, c.value)
      await expectHttp(res, c)
    },
    'request-reply': async (c) => {
      const res = await post(`/${c.where}-requests`, c.value, { prefer: 'respond-async' })
      await expectHttp(res, c)
    },
    'Kafka Produce (kafkajs)': async (c) => {
      const { producer, client } = targets[c.where]
      const sent = producer.send({ topic: client, messages: [{ value: await wireValue(c) }] })
      if (c.refusedAt === undefined) await expect(sent).resolves.toHaveLength(1)
      else await expect(sent).rejects.toMatchObject({ type: 'INVALID_RECORD' })
    },
    'Kafka Produce v11 (record errors)': async (c) => {
      const { kafkaPort, client: topic } = targets[c.where]
      const client = await WireClient.connect(kafkaPort)
      try {
        const records = await encodeRecordBatch(createRecordBatch([{ value: await wireValue(c) }]))
        const { body } = await client.roundTrip(apis.produce, 11, {
          ...apis.produce.defaultRequest(),
          acks: -1,
          timeoutMs: 10_000,
          topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }],
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
        const why = c.where === 'avro' ? 'does not decode' : c.refusedAt
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
        const { backend } = targets[c.where]
        const before = await endOffsetSum(backend)
        await produce(c)
        const written = (await endOffsetSum(backend)) - before
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
