// Consumer groups across nodes: two Weir instances reading a stream in one named group split the
// topic's partitions through Kafka itself, so every record reaches exactly one of them, with no
// sticky load balancing in front.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../../../src/gateway.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic, uniqueName } from '../../../support/kafka.ts'
import { connectWs, produceRecords, wsUrl, type WsClient } from '../../../support/stream-clients.ts'

/** Partitions this node's group consumer holds. */
function assigned(gateway: Gateway): number[] {
  const consumer = gateway.streamStats().hub.details.find((d) => d.kind === 'group')
  return consumer?.assigned.flatMap((a) => a.partitions) ?? []
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('a named consumer group across two Weir nodes', () => {
  let topic = ''
  const nodes: { url: string; gateway: Gateway }[] = []

  beforeAll(async () => {
    topic = await createTopic('group-split', 4)
    const group = uniqueName('split')
    for (const name of ['a', 'b']) {
      nodes.push(
        await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: ${name}
    kind: http
    port: 0
    streams:
      - path: /orders
        virtualCluster: vc
        topics: ['${topic}']
        group: { mode: named, name: ${group} }
`)
      )
    }
  })

  it('splits the partitions between the nodes; each record reaches one client once', async () => {
    const clients: WsClient[] = []
    for (const node of nodes) {
      const client = await connectWs(wsUrl(node.url, '/orders'))
      await client.frames.next((f) => f.type === 'subscribed')
      clients.push(client)
    }
    // Kafka rebalances as the second node joins: wait until the four partitions are split.
    await until(() => {
      const [a, b] = nodes.map((n) => assigned(n.gateway))
      return a !== undefined && b !== undefined && a.length > 0 && b.length > 0
        ? a.length + b.length === 4
        : false
    })
    const [a, b] = nodes.map((n) => assigned(n.gateway)) as [number[], number[]]
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3])

    await produceRecords(
      topic,
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: i, partition: i % 4 }))
    )
    const got = await Promise.all(
      clients.map(async (client, i) => {
        const mine = i === 0 ? a : b
        return client.frames.take(mine.length * 10, (f) => f.type === 'record')
      })
    )
    for (const [i, records] of got.entries()) {
      const mine = i === 0 ? a : b
      expect(new Set(records.map((r) => r.partition as number))).toEqual(new Set(mine))
    }
    const keys = got.flat().map((r) => r.key as string)
    expect(new Set(keys).size).toBe(40)
    await expect(
      Promise.race(clients.map((c) => c.frames.next((f) => f.type === 'record', 1000)))
    ).rejects.toThrow(/timed out/)
    for (const client of clients) client.ws.close()
  })
})
