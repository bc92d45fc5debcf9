// The naive bridge's producer on either client library Weir's client port has, so Weir on a
// library is compared with the bridge on the same one. Each is the library's producer as its
// README shows it, acks=all and the library's defaults otherwise (neither is idempotent by
// default), behind a 2 ms linger (WEIR_BENCH_BRIDGE_LINGER_MS; 0: none): kafkajs has none, and
// @platformatic/kafka sends every send() at once.
import { ProduceAcks, Producer } from '@platformatic/kafka'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { hideKafkaJsTimerWarning } from '../../../scripts/local-stack/warnings.ts'
import { lingering } from '../../linger.ts'

export type BridgeClient = 'kafkajs' | 'platformatic'

export interface BridgeProducer {
  /** Writes `values` to `topic` with the requests of the same 2 ms; settles on their acks. */
  send(topic: string, values: string[]): Promise<void>
  close(): Promise<void>
}

const lingerMs = Number(process.env.WEIR_BENCH_BRIDGE_LINGER_MS ?? 2)

/** A linger per topic: the values of requests of the same 2 ms go in one send() (0: each alone). */
function perTopic(send: (topic: string, values: string[]) => Promise<unknown>) {
  const senders = new Map<string, (values: string[]) => Promise<void>>()
  return (topic: string, values: string[]): Promise<void> => {
    if (lingerMs === 0) return send(topic, values).then(() => undefined)
    let sender = senders.get(topic)
    if (!sender) {
      sender = lingering<string[]>(lingerMs, (batches) => send(topic, batches.flat()))
      senders.set(topic, sender)
    }
    return sender(values)
  }
}

export async function bridgeProducer(
  client: BridgeClient,
  bootstrap: string
): Promise<BridgeProducer> {
  if (client === 'platformatic') {
    const producer = new Producer<string, string, string, string>({
      clientId: 'naive-bridge',
      bootstrapBrokers: [bootstrap],
      serializers: { value: (value) => (value === undefined ? undefined : Buffer.from(value)) },
    })
    await producer.metadata({ topics: [] })
    return {
      send: perTopic((topic, values) =>
        producer.send({
          messages: values.map((value) => ({ topic, value })),
          acks: ProduceAcks.ALL,
        })
      ),
      close: () => producer.close(),
    }
  }
  hideKafkaJsTimerWarning()
  const kafka = new Kafka({
    clientId: 'naive-bridge',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
  })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  return {
    send: perTopic((topic, values) =>
      producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) })
    ),
    close: () => producer.disconnect(),
  }
}
