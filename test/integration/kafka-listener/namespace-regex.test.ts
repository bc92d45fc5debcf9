// A KIP-848 regex subscription the broker resolves, through a namespaced virtual cluster: Java
// kafka-clients subscribes with a SubscriptionPattern, Weir rewrites the regex into the namespace
// (prefix(?:regex), start anchors inside it emptied), and the group gets the tenant's matching
// topics and nothing else, not even a backend topic outside the namespace whose name the tenant's
// regex matches as it stands.
import { beforeAll, describe, expect, it } from 'vitest'
import { prepareJavaCompat, runJavaCompat } from '../../compat/java/run.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

// A JVM and a KIP-848 group (heartbeats every 5 s) are slow on two cores.
const SLOW = { timeout: 180_000 }

describe('KIP-848 regex subscriptions through a namespace', () => {
  let port = 0
  const namespace = `${uniqueName('rx')}.`
  const prefix = uniqueName('regex')
  /** Outside the namespace, and matched by the tenant's regex if it reached the broker as is. */
  const foreign = `${prefix}-orders-foreign`

  beforeAll(async () => {
    await prepareJavaCompat()
    port = await freePortRange(3)
    await startTestGateway(`virtualClusters:
  - name: tenant
    backendCluster: main
    namespace: { prefix: '${namespace}' }
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: tenant
    port: ${port}
`)
    const admin = testKafka().admin()
    const producer = testKafka().producer()
    await admin.connect()
    await producer.connect()
    try {
      await admin.createTopics({ topics: [{ topic: foreign }], waitForLeaders: true })
      await producer.send({ topic: foreign, messages: [{ value: 'not the tenant' }] })
    } finally {
      await producer.disconnect()
      await admin.disconnect()
    }
  }, SLOW.timeout)

  it('assigns the topics the regex matches inside the namespace and only those', SLOW, async () => {
    const out = await runJavaCompat(`127.0.0.1:${port}`, ['regex'], 170_000, {
      settings: { 'regex.prefix': prefix },
    })
    const result = out.regex as { read: string[]; assigned: string[]; error?: string }
    expect(result.error).toBeUndefined()
    expect(result.read).toEqual([`${prefix}-orders`, `${prefix}-orders-v2`])
    expect(result.assigned).toEqual([`${prefix}-orders`, `${prefix}-orders-v2`])

    // The tenant's topics are the namespace's on the backend.
    const admin = testKafka().admin()
    await admin.connect()
    try {
      const backend = await admin.listTopics()
      expect(backend).toEqual(expect.arrayContaining([`${namespace}${prefix}-orders`, foreign]))
    } finally {
      await admin.disconnect()
    }
  })
})
