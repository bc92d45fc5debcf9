// Long-poll against the real broker: answers as soon as records exist, waits up to `wait` when
// none do, and hands back a cursor that continues exactly, on this node or on another.
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic } from '../../../support/kafka.ts'
import { produceRecords } from '../../../support/stream-clients.ts'

interface Answer {
  cursor: string
  records: { key: string; partition: number; offset: string; value: unknown }[]
  gaps?: unknown[]
}

describe('long-poll streams', () => {
  let topic = ''
  let first = ''
  let second = ''

  const config = (name: string) => `virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: ${name}
    kind: http
    port: 0
    streams:
      - name: poll
        path: /poll
        virtualCluster: vc
        topics: ['${topic}']
        start: earliest
        longPoll: { maxRecords: 5, maxWaitMs: 3000 }
`

  beforeAll(async () => {
    topic = await createTopic('poll', 2)
    first = (await startTestGateway(config('one'))).url
    second = (await startTestGateway(config('two'))).url
  })

  const poll = async (base: string, query = ''): Promise<{ status: number; body: Answer }> => {
    const res = await fetch(`${base}/poll${query}`)
    return { status: res.status, body: (await res.json()) as Answer }
  }

  it('pages through records with the cursor, on one node and then another, exactly once', async () => {
    await produceRecords(
      topic,
      Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: i, partition: i % 2 }))
    )
    const seen: string[] = []
    let cursor = ''
    // The first answers come from node one (its session waits for the next poll there)...
    for (let i = 0; i < 2; i++) {
      const { status, body } = await poll(first, cursor ? `?cursor=${cursor}` : '')
      expect(status).toBe(200)
      expect(body.records.length).toBeLessThanOrEqual(5)
      seen.push(...body.records.map((r) => r.key))
      cursor = body.cursor
    }
    // ...then node two continues from the cursor alone.
    while (seen.length < 12) {
      const { body } = await poll(second, `?cursor=${cursor}&wait=2000`)
      expect(body.records.length).toBeGreaterThan(0)
      seen.push(...body.records.map((r) => r.key))
      cursor = body.cursor
    }
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `k${i}`).sort())
    // Caught up: an empty answer after `wait`, with the same positions.
    const started = Date.now()
    const { body } = await poll(second, `?cursor=${cursor}&wait=300`)
    expect(body.records).toEqual([])
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(body.cursor).toBe(cursor)
  })

  it('answers a waiting poll as soon as a record is produced', async () => {
    const { body: caughtUp } = await poll(first, `?from=latest&wait=0`)
    const waiting = poll(first, `?cursor=${caughtUp.cursor}&wait=3000`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const started = Date.now()
    await produceRecords(topic, [{ key: 'late', value: 1, partition: 0 }])
    const { body } = await waiting
    expect(body.records.map((r) => r.key)).toEqual(['late'])
    expect(Date.now() - started).toBeLessThan(2500)
  })

  it('takes max only up to the stream limit and rejects nonsense with 400', async () => {
    const { body } = await poll(first, '?max=1000&wait=0')
    expect(body.records.length).toBeLessThanOrEqual(5)
    expect((await poll(first, '?max=0')).status).toBe(400)
    expect((await poll(first, '?wait=soon')).status).toBe(400)
    const bad = await poll(first, '?cursor=2~x')
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain('cursor')
  })
})
