// Replies and views outlive the node: `weir start` as a real process takes an order (the example
// order service answers it and records the order's state on a compacted topic), stops, starts
// again, and serves the same reply and the same view entry from what it reads back from Kafka.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startOrderService,
  type OrderService,
} from '../../../../examples/request-reply/order-service.ts'
import { hashApiKey } from '../../../../src/policy/secrets.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../../support/kafka.ts'
import { startWeirProcess, type WeirProcess } from '../../../support/weir-process.ts'

async function compactedTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix)
  const admin = testKafka().admin()
  await admin.connect()
  try {
    await admin.createTopics({
      topics: [{ topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    })
  } finally {
    await admin.disconnect()
  }
  return topic
}

async function waitReady(weir: WeirProcess): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${weir.url}/readyz`)
    if (res.ok) return
    if (Date.now() > deadline) throw new Error(`not ready: ${await res.text()}\n${weir.tail()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('request-reply and views across a restart', () => {
  let service: OrderService
  let yaml = ''

  beforeAll(async () => {
    const requests = await createTopic('orders-requests', 2)
    const replies = await createTopic('orders-replies')
    const states = await compactedTopic('orders-state')
    service = await startOrderService({
      brokers: [stack().bootstrap],
      requestTopic: requests,
      stateTopic: states,
      groupId: uniqueName('order-service'),
      fromBeginning: true,
    })
    yaml = `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${hashApiKey('key-alice')} }]
listeners:
  - name: public
    kind: http
    port: \${PORT}
    requests: { secret: restart-test-secret-0123456789abcdefgh }
    routes:
      - { path: /orders, virtualCluster: shop, topic: ${requests}, reply: { topic: ${replies} } }
    views:
      - { name: orders, virtualCluster: shop, topic: ${states} }
logging:
  level: warn
`
  })

  afterAll(async () => {
    await service?.stop()
  })

  it('serves the reply and the view entry again after the node restarted', async () => {
    const headers = { 'x-api-key': 'key-alice', 'content-type': 'application/json' }
    const first = await startWeirProcess(yaml)
    await waitReady(first)
    const accepted = await fetch(`${first.url}/orders`, {
      method: 'POST',
      headers: { ...headers, prefer: 'respond-async' },
      body: JSON.stringify({ item: 'kettle', quantity: 1 }),
    })
    expect(accepted.status).toBe(202)
    const location = accepted.headers.get('location') ?? ''
    const reply = await fetch(`${first.url}${location}`, {
      headers: { ...headers, prefer: 'wait=10' },
    })
    expect(reply.status).toBe(201)
    const { orderId } = (await reply.json()) as { orderId: string }
    const state = await fetch(`${first.url}/views/orders/${orderId}`, {
      headers: { ...headers, prefer: 'wait=10' },
    })
    expect(state.status).toBe(200)
    const etag = state.headers.get('etag')

    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)

    const second = await startWeirProcess(yaml)
    await waitReady(second)
    const again = await fetch(`${second.url}${location}`, { headers })
    expect(again.status).toBe(201)
    expect(await again.json()).toMatchObject({ orderId, item: 'kettle' })
    const view = await fetch(`${second.url}/views/orders/${orderId}`, { headers })
    expect(view.status).toBe(200)
    expect(view.headers.get('etag')).toBe(etag)
    expect(await view.json()).toMatchObject({ orderId, status: 'accepted' })
  })
})
