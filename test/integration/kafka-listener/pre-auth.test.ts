// Before authentication, frames are small (Kafka's sasl.server.max.receive.size): on a Kafka
// listener with SASL at the gateway, and on one passing SASL through to a broker that requires
// it, a client that declares a 90 MB frame before logging in is closed on its size prefix. Clients
// that log in still send frames up to maxFrameBytes.
import { Kafka, logLevel, type SASLOptions } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { apis } from '../../../src/protocol/index.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum, stack } from '../../support/kafka.ts'
import { onFreePorts } from '../../support/ports.ts'
import { sizePrefix, WireClient } from '../../kafka-listener/support/wire-client.ts'

/** Seven 100 KB records: one Produce of about 700 KB, above 512 KB and below a broker's 1 MB. */
const RECORDS = Array.from({ length: 7 }, (_, i) => ({
  key: `${i}`,
  value: Buffer.alloc(100_000, i),
}))

describe('a Kafka listener before authentication', () => {
  const ports = { gateway: 0, passthrough: 0 }

  beforeAll(async () => {
    const bob = await hashPassword('bob-password')
    await onFreePorts(6, async (port) => {
      ports.gateway = port
      ports.passthrough = port + 3
      await startTestGateway(
        `virtualClusters:
  - name: at-gateway
    backendCluster: secure
    authentication:
      - kind: basic
        users:
          - { username: bob, passwordHash: '${bob}' }
  - name: at-broker
    backendCluster: secure
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka-gateway
    kind: kafka
    virtualCluster: at-gateway
    port: ${ports.gateway}
  - name: kafka-passthrough
    kind: kafka
    virtualCluster: at-broker
    port: ${ports.passthrough}
`,
        {},
        `  - name: secure
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: scram-sha-512, username: admin, password: admin-secret }
`
      )
    })
  })

  const client = (port: number, sasl: SASLOptions) =>
    new Kafka({
      clientId: 'pre-auth-test',
      brokers: [`127.0.0.1:${port}`],
      sasl,
      logLevel: logLevel.NOTHING,
    })

  describe.each([
    {
      where: 'SASL at the gateway',
      port: () => ports.gateway,
      sasl: { mechanism: 'plain', username: 'bob', password: 'bob-password' } as SASLOptions,
    },
    {
      where: 'SASL passed through to the broker',
      port: () => ports.passthrough,
      sasl: {
        mechanism: 'scram-sha-512',
        username: 'admin',
        password: 'admin-secret',
      } as SASLOptions,
    },
  ])('with $where', ({ port, sasl }) => {
    it('closes a connection that declares a 90 MB frame before logging in', async () => {
      const stranger = await WireClient.connect(port())
      try {
        const hello = { clientSoftwareName: 'wire', clientSoftwareVersion: '1' }
        expect((await stranger.roundTrip(apis.apiVersions, 3, hello)).body.errorCode).toBe(0)
        // The size prefix and a little of the body: never the 90 MB.
        stranger.write(Buffer.concat([sizePrefix(90 * 1024 * 1024), Buffer.alloc(4096)]))
        expect(await stranger.closesWithin(5000)).toBe(true)
      } finally {
        stranger.destroy()
      }
    })

    it('takes a 700 KB Produce from a client that logged in', async () => {
      const topic = await createTopic('pre-auth')
      const producer = client(port(), sasl).producer()
      await producer.connect()
      try {
        const [result] = await producer.send({ topic, messages: RECORDS, acks: -1 })
        expect(result).toMatchObject({ topicName: topic, errorCode: 0 })
      } finally {
        await producer.disconnect()
      }
      expect(await endOffsetSum(topic)).toBe(RECORDS.length)
    })
  })
})
