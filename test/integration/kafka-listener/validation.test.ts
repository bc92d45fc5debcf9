// Schema policies on the Kafka listener, against the real broker and a real Apicurio Registry:
// kafkajs producing through Weir gets Confluent-framed Avro with the subject's schema id written,
// and anything else refused with INVALID_RECORD; in a request mixing partitions, only the bad
// partition fails. A raw Produce v11 shows the message and record errors clients get from v8 on.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INVALID_RECORD } from '../../../src/kafka-listener/validation/index.ts'
import { apis, ZERO_UUID, type ProduceResponse } from '../../../src/protocol/index.ts'
import { createRecordBatch, encodeRecordBatch } from '../../../src/protocol/records/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack, testKafka } from '../../support/kafka.ts'
import { within } from '../../support/deadline.ts'
import { onFreePorts } from '../../support/ports.ts'

const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'weir.validation',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
}
// A schema of its own (registries give identical schemas one id across subjects).
const paymentSchema = { ...orderSchema, name: 'Payment' }

async function endOffsets(topic: string): Promise<number[]> {
  const admin = testKafka().admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high))
  } finally {
    await admin.disconnect()
  }
}

describe('schema validation on the Kafka listener', () => {
  let port = 0
  let orders = ''
  let payments = ''
  let registry: SchemaRegistry
  let orderId = 0
  let paymentId = 0
  let producer: Producer

  beforeAll(async () => {
    orders = await createTopic('validated-orders', 3)
    payments = await createTopic('validated-payments')
    registry = new SchemaRegistry({ host: stack().registryUrl })
    // The registry client has no timeout of its own: a registry that never answers is named.
    const register = async (s: object, subject: string) =>
      within(
        `registering ${subject}`,
        15_000,
        registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(s) }, { subject })
      )
    orderId = (await register(orderSchema, `${orders}-value`)).id
    paymentId = (await register(paymentSchema, `${payments}-value`)).id
    port = await onFreePorts(3, async (free) => {
      await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    policies: [orders-schema]
policies:
  - name: orders-schema
    kind: schema
    topics: ['${orders}']
    value: { format: avro }
    validate: true
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: vc
    port: ${free}
`)
      return free
    })
    const kafka = new Kafka({
      clientId: 'validation',
      brokers: [`127.0.0.1:${port}`],
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    })
    producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
  })

  afterAll(async () => {
    await producer.disconnect()
  })

  const order = (n: number) => registry.encode(orderId, { id: `o-${n}`, qty: n })

  it('writes Confluent-framed Avro with the subject schema id', async () => {
    const before = await endOffsets(orders)
    await producer.send({
      topic: orders,
      messages: [
        { partition: 0, value: await order(1) },
        { partition: 0, value: await order(2) },
      ],
    })
    expect((await endOffsets(orders))[0]).toBe((before[0] ?? 0) + 2)
  })

  it('refuses unframed JSON with INVALID_RECORD', async () => {
    await expect(
      producer.send({ topic: orders, messages: [{ partition: 0, value: '{"id":"o-3","qty":3}' }] })
    ).rejects.toMatchObject({ type: 'INVALID_RECORD' })
  })

  it('refuses a framed value whose id belongs to another subject', async () => {
    const payment = await registry.encode(paymentId, { id: 'p-1', qty: 1 })
    await expect(
      producer.send({ topic: orders, messages: [{ partition: 0, value: payment }] })
    ).rejects.toMatchObject({ type: 'INVALID_RECORD' })
  })

  it('fails only the bad partition of a request mixing partitions and topics', async () => {
    const before = await endOffsets(orders)
    const paymentsBefore = await endOffsets(payments)
    const sent = producer.sendBatch({
      topicMessages: [
        {
          topic: orders,
          messages: [
            { partition: 0, value: await order(4) },
            { partition: 1, value: 'not framed' },
            { partition: 2, value: await order(5) },
          ],
        },
        // No schema policy on this topic: anything goes.
        { topic: payments, messages: [{ partition: 0, value: 'free text' }] },
      ],
    })
    await expect(sent).rejects.toMatchObject({ type: 'INVALID_RECORD' })
    const after = await endOffsets(orders)
    expect(after.map((high, i) => high - (before[i] ?? 0))).toEqual([1, 0, 1])
    expect((await endOffsets(payments))[0]).toBe((paymentsBefore[0] ?? 0) + 1)
  })

  it('tells clients of Produce v8+ which record failed and why', async () => {
    const client = await WireClient.connect(port)
    try {
      const partition = async (index: number, values: (Buffer | string)[]) => ({
        index,
        records: await encodeRecordBatch(
          createRecordBatch(values.map((v) => ({ value: Buffer.from(v) })))
        ),
      })
      const { body } = await client.roundTrip(apis.produce, 11, {
        ...apis.produce.defaultRequest(),
        acks: -1,
        timeoutMs: 10_000,
        topicData: [
          {
            name: orders,
            topicId: ZERO_UUID,
            partitionData: [
              await partition(0, [await order(6), '{"id":"o-7"}']),
              await partition(1, [await order(8)]),
            ],
          },
        ],
      })
      const answers = (body as ProduceResponse).responses.flatMap((t) => t.partitionResponses)
      expect(answers.map((p) => [p.index, p.errorCode])).toEqual([
        [1, 0],
        [0, INVALID_RECORD],
      ])
      const refused = answers.find((p) => p.index === 0)
      expect(refused?.errorMessage).toBe(
        '1 of 2 records break schema policy "orders-schema", so none was written: record 1: the value is not in the Confluent wire format: the first byte is 123, not the magic byte 0'
      )
      expect(refused?.recordErrors).toEqual([
        {
          batchIndex: 1,
          batchIndexErrorMessage:
            'the value is not in the Confluent wire format: the first byte is 123, not the magic byte 0',
        },
      ])
    } finally {
      client.destroy()
    }
  })
})
