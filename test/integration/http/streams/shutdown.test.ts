// Graceful shutdown with streams open: WebSocket clients get 1001, SSE clients an `end` event,
// a waiting long-poll its answer, and acknowledged offsets are committed before the group is left.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Gateway } from '../../../../src/gateway.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../../support/kafka.ts'
import { connectSse, connectWs, produceRecords, wsUrl } from '../../../support/stream-clients.ts'

describe('shutdown with open streams', () => {
  let topic = ''
  let group = ''
  let url = ''
  let gateway: Gateway

  beforeAll(async () => {
    topic = await createTopic('shutdown')
    group = uniqueName('shutdown')
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    shutdownGraceMs: 5000
    streams:
      - name: live
        path: /live
        virtualCluster: vc
        topics: ['${topic}']
      - name: acked
        path: /acked
        virtualCluster: vc
        topics: ['${topic}']
        group: { mode: named, name: ${group} }
        start: earliest
        delivery: at-least-once
`)
    url = started.url
    gateway = started.gateway
  })

  it('says goodbye on every door and commits what was acknowledged', async () => {
    await produceRecords(
      topic,
      [1, 2, 3].map((n) => ({ key: `k${n}`, value: n }))
    )
    const acked = await connectWs(wsUrl(url, '/acked'))
    const records = await acked.frames.take(3, (f) => f.type === 'record')
    // Only the first two are acknowledged: the group must resume at the third.
    for (const r of records.slice(0, 2)) {
      acked.send({ type: 'ack', topic: r.topic, partition: r.partition, offset: r.offset })
    }
    const live = await connectWs(wsUrl(url, '/live'))
    await live.frames.next((f) => f.type === 'subscribed')
    const sse = await connectSse(`${url}/live`)
    await sse.events.next((e) => e.event === 'ready')
    const poll = fetch(`${url}/live?wait=20000`).then((res) => res.json())
    await new Promise((resolve) => setTimeout(resolve, 300))

    const started = Date.now()
    await gateway.stop()
    expect(Date.now() - started).toBeLessThan(5000)

    expect((await live.closed).code).toBe(1001)
    expect((await acked.closed).code).toBe(1001)
    expect((await sse.events.next((e) => e.event === 'end')).data).toContain('shutting down')
    expect(await poll).toMatchObject({ records: [] })

    const admin = testKafka().admin()
    await admin.connect()
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
      expect(offsets?.partitions).toEqual([
        { partition: 0, offset: records[2]?.offset, metadata: null },
      ])
    } finally {
      await admin.disconnect()
    }
  })
})
