// A slow client on a shared stream: it never makes the node buffer without bound, and the fast
// client beside it keeps getting every record. With `onOverflow: close` the slow one is closed
// with 1013; with `skip` it gets a gap notice saying exactly how much it missed.
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopic } from '../../../support/kafka.ts'
import { connectWs, produceRecords, wsUrl, type WsClient } from '../../../support/stream-clients.ts'

const RECORDS = 1500
/** 16 KiB values: 24 MB in all, more than socket buffers hold, so a paused client falls behind. */
const payload = 'x'.repeat(16 * 1024)

describe('backpressure on a shared stream', () => {
  let url = ''
  let closeTopic = ''
  let skipTopic = ''

  beforeAll(async () => {
    closeTopic = await createTopic('slow-close')
    skipTopic = await createTopic('slow-skip')
    const stream = (path: string, topic: string, policy: string) => `      - path: ${path}
        virtualCluster: vc
        topics: ['${topic}']
        format: { value: text }
        buffer: { maxRecords: 50, maxBytes: 1048576, onOverflow: ${policy} }
`
    url = (
      await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: 0
    streams:
${stream('/close', closeTopic, 'close')}${stream('/skip', skipTopic, 'skip')}`)
    ).url
  })

  const subscribe = async (path: string): Promise<WsClient> => {
    const client = await connectWs(wsUrl(url, path))
    await client.frames.next((f) => f.type === 'subscribed')
    return client
  }

  const produceMany = async (topic: string) => {
    for (let i = 0; i < RECORDS; i += 30) {
      await produceRecords(
        topic,
        Array.from({ length: 30 }, (_, j) => ({ key: String(i + j), value: payload }))
      )
    }
  }

  it('closes a client that cannot keep up with 1013 while the fast one gets everything', async () => {
    const fast = await subscribe('/close')
    const slow = await subscribe('/close')
    // The slow client stops reading its socket: TCP fills up, then Weir's buffers.
    slow.ws.pause()
    await produceMany(closeTopic)
    const got = await fast.frames.take(RECORDS, (f) => f.type === 'record', 60_000)
    expect(got.map((r) => Number(r.key))).toEqual(Array.from({ length: RECORDS }, (_, i) => i))
    slow.ws.resume()
    const closed = await slow.closed
    expect(closed.code).toBe(1013)
    expect(closed.reason).toMatch(/reads more slowly/)
    // Before the close it was told why, in full.
    const error = slow.frames.items.find((f) => f.type === 'error')
    expect(error).toMatchObject({
      problem: { status: 503, detail: expect.stringContaining('50 records') },
    })
    fast.ws.close()
  })

  it('skips for a slow client with a gap notice that accounts for every record', async () => {
    const fast = await subscribe('/skip')
    const slow = await subscribe('/skip')
    slow.ws.pause()
    await produceMany(skipTopic)
    const got = await fast.frames.take(RECORDS, (f) => f.type === 'record', 60_000)
    expect(got).toHaveLength(RECORDS)
    slow.ws.resume()
    const gap = await slow.frames.next((f) => f.type === 'gap', 30_000)
    expect(gap.skipped as number).toBeGreaterThan(0)
    // Everything it was sent plus everything it was told it missed: every record, once.
    const settle = async () => {
      let last = -1
      while (slow.frames.items.length !== last) {
        last = slow.frames.items.length
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
    await settle()
    const records = slow.frames.items.filter((f) => f.type === 'record').length
    const skipped = [gap, ...slow.frames.items.filter((f) => f.type === 'gap')].reduce(
      (sum, g) => sum + (g.skipped as number),
      0
    )
    expect(records + skipped).toBe(RECORDS)
    fast.ws.close()
    slow.ws.close()
  })
})
