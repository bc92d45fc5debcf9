// An order service behind Weir's request-reply route: it consumes `orders.requests`, decides,
// and writes the reply to the topic each request names in `weir-reply-to`, with the request's
// `weir-correlation-id`. That is all a service needs to know about Weir (see
// src/replies/reply-record.ts): `weir-status` is the HTTP status, `content-type` and other headers
// go to the client, the value is the body. It also keeps each order's state on a compacted topic,
// which a Weir view serves as `GET /views/orders/{orderId}`.
//
//   node examples/request-reply/order-service.ts          (against the local stack)
//   WEIR_BOOTSTRAP=host:9092 node examples/request-reply/order-service.ts
// Environment: WEIR_BOOTSTRAP, ORDER_REQUESTS (orders.requests), ORDER_STATES (orders.state; empty
// for none), ORDER_GROUP (order-service), ORDER_FROM_BEGINNING (true: a new group answers the
// requests already waiting).
//
// A request `{ "item": "book", "quantity": 2 }` gets 201 `{ "orderId": ..., "status": "accepted" }`;
// a quantity below 1 gets 422. `delayMs` in a request delays its reply (to try `respond-async`).
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type IHeaders, type Message } from 'kafkajs'

export interface OrderServiceOptions {
  brokers: string[]
  requestTopic: string
  /** Compacted topic of order states (key: order id); none when unset. */
  stateTopic?: string
  groupId?: string
  /** Where a new group starts: its first run answers requests already waiting, too. */
  fromBeginning?: boolean
}

export interface OrderService {
  /** Requests answered so far. */
  readonly answered: number
  stop(): Promise<void>
}

interface OrderRequest {
  item?: unknown
  quantity?: unknown
  delayMs?: unknown
}

const text = (value: IHeaders[string]): string | undefined => {
  const last = Array.isArray(value) ? value.at(-1) : value
  return last === undefined ? undefined : last.toString()
}

/** What the service answers to one request: a status and a JSON body. */
export function decide(request: OrderRequest): { status: number; body: Record<string, unknown> } {
  const quantity = request.quantity
  if (typeof request.item !== 'string' || request.item === '') {
    return { status: 422, body: { error: 'an order needs an item' } }
  }
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) {
    return { status: 422, body: { error: 'quantity must be a whole number of at least 1' } }
  }
  return {
    status: 201,
    body: { orderId: randomUUID(), item: request.item, quantity, status: 'accepted' },
  }
}

export async function startOrderService(options: OrderServiceOptions): Promise<OrderService> {
  const kafka = new Kafka({
    clientId: 'order-service',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  const consumer = kafka.consumer({
    groupId: options.groupId ?? 'order-service',
    maxWaitTimeInMs: 100,
  })
  await Promise.all([producer.connect(), consumer.connect()])
  await consumer.subscribe({
    topic: options.requestTopic,
    fromBeginning: options.fromBeginning ?? false,
  })
  let answered = 0

  const reply = async (message: Message & { headers?: IHeaders }): Promise<void> => {
    const headers = message.headers ?? {}
    const correlationId = text(headers['weir-correlation-id'])
    const replyTo = text(headers['weir-reply-to'])
    // Not a request Weir made: nowhere to answer.
    if (correlationId === undefined || replyTo === undefined) return
    let request: OrderRequest = {}
    try {
      request = JSON.parse(message.value?.toString() ?? '{}') as OrderRequest
    } catch {
      // Answered 422 below: the item is missing.
    }
    const delay = typeof request.delayMs === 'number' ? Math.min(request.delayMs, 60_000) : 0
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    const { status, body } = decide(request)
    const value = JSON.stringify(body)
    const sends: Promise<unknown>[] = [
      producer.send({
        topic: replyTo,
        messages: [
          {
            key: correlationId,
            value,
            headers: {
              'weir-correlation-id': correlationId,
              'weir-status': String(status),
              'content-type': 'application/json',
            },
          },
        ],
      }),
    ]
    if (options.stateTopic !== undefined && status === 201) {
      const orderId = body.orderId as string
      sends.push(producer.send({ topic: options.stateTopic, messages: [{ key: orderId, value }] }))
    }
    await Promise.all(sends)
    answered++
  }

  await consumer.run({
    // Requests of different partitions are answered side by side; delays do not block others.
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      await Promise.all(batch.messages.map((message) => reply(message)))
      const last = batch.messages.at(-1)
      if (last !== undefined) resolveOffset(last.offset)
      await heartbeat()
    },
  })
  return {
    get answered() {
      return answered
    },
    async stop() {
      await consumer.disconnect()
      await producer.disconnect()
    },
  }
}

/** Creates the example's topics where missing (the order states' topic compacted). */
async function ensureTopics(brokers: string[], states: string | undefined): Promise<void> {
  const admin = new Kafka({
    clientId: 'order-service',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const wanted = [
      { topic: 'orders.requests', numPartitions: 3 },
      { topic: 'orders.replies', numPartitions: 3 },
      ...(states === undefined
        ? []
        : [
            {
              topic: states,
              numPartitions: 3,
              configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
            },
          ]),
    ].filter((t) => !existing.has(t.topic))
    if (wanted.length > 0) await admin.createTopics({ topics: wanted, waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

if (import.meta.main) {
  const brokers = [process.env.WEIR_BOOTSTRAP ?? '127.0.0.1:19092']
  const states = process.env.ORDER_STATES ?? 'orders.state'
  const requestTopic = process.env.ORDER_REQUESTS ?? 'orders.requests'
  // The example's own topics, on first use; a service given other topics expects them to exist.
  if (requestTopic === 'orders.requests') await ensureTopics(brokers, states || undefined)
  const service = await startOrderService({
    brokers,
    requestTopic,
    // ORDER_STATES= (empty) keeps no order states.
    stateTopic: states === '' ? undefined : states,
    groupId: process.env.ORDER_GROUP,
    fromBeginning: process.env.ORDER_FROM_BEGINNING === 'true',
  })
  console.log('order service: answering requests (Ctrl-C stops)')
  const stop = () => void service.stop().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
