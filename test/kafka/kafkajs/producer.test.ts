// The kafkajs adapter's producer against a stand-in for kafkajs that partitions like kafkajs does
// (the installed partitioner, per message, inside sendBatch): one ack per record, in the records'
// order, and whether a failed send had any record on its way. (The real broker: test/integration.)
import type { Kafka, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { ProduceFailure } from '../../../src/kafka/client/port.ts'
import { kafkaJsProducer } from '../../../src/kafka/kafkajs/producer.ts'
import type { OutgoingRecord } from '../../../src/kafka/producer/record.ts'

type Script = (
  batch: ProducerBatch,
  partition: (topic: string, message: object) => number
) => RecordMetadata[]

function fakeKafka(script: Script) {
  const batches: ProducerBatch[] = []
  const kafka = {
    producer(config: ProducerConfig) {
      const partitioner = config.createPartitioner!()
      const partition = (topic: string, message: object) =>
        partitioner({
          topic,
          message: message as never,
          partitionMetadata: [0, 1].map((id) => ({
            partitionId: id,
            leader: 0,
            partitionErrorCode: 0,
            replicas: [0],
            isr: [0],
          })),
        })
      return {
        sendBatch: async (batch: ProducerBatch) => {
          batches.push(batch)
          return script(batch, partition)
        },
      }
    },
  } as unknown as Kafka
  return { kafka, batches }
}

const record = (topic: string, value: string, partition?: number): OutgoingRecord => ({
  topic,
  key: null,
  value: Buffer.from(value),
  headers: {},
  partition,
  timestamp: 1000,
})

describe('the kafkajs producer adapter', () => {
  it('gives each record its own offset from its partition base offset, in the records order', async () => {
    const { kafka, batches } = fakeKafka((batch) =>
      batch.topicMessages!.flatMap(({ topic, messages }) =>
        [...new Set(messages.map((m) => m.partition))].map((partition) => ({
          topicName: topic,
          partition: partition!,
          errorCode: 0,
          baseOffset: topic === 'a' ? String(100 + partition! * 10) : '7',
          logAppendTime: '-1',
        }))
      )
    )
    const producer = kafkaJsProducer(kafka, { idempotent: true, retries: 0 })
    const acks = await producer.send(
      [record('a', 'x', 1), record('b', 'y', 0), record('a', 'z', 0), record('a', 'w', 1)],
      { acks: 'all', compression: 'none', timeoutMs: 500 }
    )
    expect(acks).toEqual([
      { topic: 'a', partition: 1, offset: '110', timestamp: '1000' },
      { topic: 'b', partition: 0, offset: '7', timestamp: '1000' },
      { topic: 'a', partition: 0, offset: '100', timestamp: '1000' },
      { topic: 'a', partition: 1, offset: '111', timestamp: '1000' },
    ])
    expect(batches[0]).toMatchObject({ acks: -1, compression: 0, timeout: 500 })
  })

  it('reports offset -1 when the broker answers nothing (acks none)', async () => {
    const { kafka } = fakeKafka(() => [])
    const producer = kafkaJsProducer(kafka, { idempotent: false, retries: 0 })
    const acks = await producer.send([record('a', 'x', 0)], { acks: 'none', compression: 'gzip' })
    expect(acks).toEqual([{ topic: 'a', partition: 0, offset: '-1', timestamp: '1000' }])
  })

  it('says a failed send had nothing on its way when it failed before partitioning', async () => {
    const missing = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    })
    const { kafka } = fakeKafka(() => {
      throw missing
    })
    const producer = kafkaJsProducer(kafka, { idempotent: true, retries: 0 })
    const failed = producer.send([record('a', 'x')], { acks: 'all', compression: 'none' })
    await expect(failed).rejects.toBeInstanceOf(ProduceFailure)
    await expect(failed).rejects.toMatchObject({ attempted: false, cause: missing })
  })

  it('says a failed send had records on their way once one was partitioned', async () => {
    const { kafka } = fakeKafka((batch, partition) => {
      for (const { topic, messages } of batch.topicMessages!) {
        for (const message of messages) partition(topic, message)
      }
      throw new Error('Request Produce(key: 0, version: 7) timed out')
    })
    const producer = kafkaJsProducer(kafka, { idempotent: true, retries: 0 })
    const failed = producer.send([record('a', 'x')], { acks: 'all', compression: 'none' })
    await expect(failed).rejects.toMatchObject({
      name: 'ProduceFailure',
      attempted: true,
      message: 'Request Produce(key: 0, version: 7) timed out',
    })
  })
})
