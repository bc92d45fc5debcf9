// The Kafka listener's quotas on a shared state store, against a real redis-server: bytes produced
// through gateway A are charged to the same bucket as bytes through gateway B, so B throttles a
// client (throttle_time_ms) for the debt A's client ran up, as one broker cluster's quota would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apis, ZERO_UUID, type ProduceResponse } from '../../../src/protocol/index.ts'
import { createRecordBatch, encodeRecordBatch } from '../../../src/protocol/records/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { startRedis, type RedisServer } from '../../support/redis.ts'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

/** A gateway whose Kafka listener serves `open` (no authentication), 1000 bytes/s for 30 s. */
async function gateway(prefix: string, onUnavailable = 'fail-open'): Promise<number> {
  const port = await freePortRange(4)
  await startTestGateway(`state:
  { kind: redis, url: '${redis.url}', keyPrefix: '${prefix}:', commandTimeoutMs: 2000, onUnavailable: ${onUnavailable} }
virtualClusters:
  - name: open
    backendCluster: main
    policies: [quota]
policies:
  - { name: quota, kind: rate-limit, per: principal, bytesPerSecond: 1000, burstSeconds: 30 }
listeners:
  - { name: health, kind: http, port: 0 }
  - { name: kafka, kind: kafka, virtualCluster: open, port: ${port} }
`)
  return port
}

async function produce(
  client: WireClient,
  topic: string,
  records: number
): Promise<ProduceResponse> {
  const values = Array.from({ length: records }, () => ({ value: Buffer.alloc(1000, 'x') }))
  const batch = await encodeRecordBatch(createRecordBatch(values))
  client.send(apis.produce, 5, {
    ...apis.produce.defaultRequest(),
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch }] }],
  })
  return (await client.response(apis.produce, 5, 10_000)).body
}

describe('Kafka listener quotas shared through redis', () => {
  it("a node throttles for the bytes another node's client produced", async () => {
    const topic = await createTopic('state-quota')
    const prefix = uniqueName('quota')
    const [a, b] = await Promise.all([gateway(prefix), gateway(prefix)])
    const onA = await WireClient.connect(a)
    const onB = await WireClient.connect(b)
    try {
      // 20 kB of a 30 kB burst on A, then 20 kB on B: each node alone is within its burst.
      expect((await produce(onA, topic, 20)).throttleTimeMs).toBe(0)
      expect((await produce(onB, topic, 20)).throttleTimeMs).toBe(0)
      // Together they owe 10 kB at 1 kB/s: B's next request, however small, waits for it.
      const next = await produce(onB, topic, 1)
      expect(next.responses[0]?.partitionResponses[0]?.errorCode).toBe(0)
      expect(next.throttleTimeMs).toBeGreaterThan(5_000)
    } finally {
      onA.destroy()
      onB.destroy()
    }
  })

  it('with the store down, a fail-closed quota throttles every request', async () => {
    const topic = await createTopic('state-quota-down')
    const port = await gateway(uniqueName('down'), 'fail-closed')
    const client = await WireClient.connect(port)
    try {
      expect((await produce(client, topic, 1)).throttleTimeMs).toBe(0)
      await redis.kill()
      const refused = await produce(client, topic, 1)
      // Throttled, not refused: the record is written, as a broker over its quota writes it.
      expect(refused.responses[0]?.partitionResponses[0]?.errorCode).toBe(0)
      expect(refused.throttleTimeMs).toBeGreaterThan(900)
    } finally {
      client.destroy()
      await redis.restart()
    }
  })
})
