// maxConnectionAgeMs: the listener closes connections past their (jittered) age once no request
// is in flight, and a kafkajs producer and consumer carry on over new connections, losing
// nothing: what a scale-out needs for clients to spread over the new nodes.
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs'
import { connect } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

const AGE_MS = 1500

describe('kafka listener connection expiry', () => {
  let port = 0
  let topic = ''

  beforeAll(async () => {
    topic = await createTopic('expiry')
    port = await freePortRange(3)
    await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
listeners:
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${port}
    maxConnectionAgeMs: ${AGE_MS}
`)
  })

  it('closes old connections between requests; kafkajs reconnects and loses nothing', async () => {
    let opened = 0
    let closedByGateway = 0
    const socketFactory: ISocketFactory = ({ host, port: to, onConnect }) => {
      opened++
      const socket = connect(to, host, onConnect)
      // The gateway's end, not the answer to kafkajs' own (which ends its side first).
      socket.on('end', () => {
        if (!socket.writableEnded && !socket.destroyed) closedByGateway++
      })
      socket.setKeepAlive(true)
      return socket
    }
    const kafka = new Kafka({
      clientId: 'expiry',
      brokers: [`127.0.0.1:${port}`],
      socketFactory,
      logLevel: logLevel.NOTHING,
    })
    const producer = kafka.producer()
    const consumer = kafka.consumer({ groupId: uniqueName('expiry') })
    const received: string[] = []
    try {
      await producer.connect()
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push(String(message.value))
        },
      })
      const sent: string[] = []
      // Four sends over three ages: every connection outlives its age at least once.
      for (let i = 0; i < 4; i++) {
        await producer.send({ topic, messages: [{ value: `m${i}` }] })
        sent.push(`m${i}`)
        await new Promise((resolve) => setTimeout(resolve, AGE_MS))
      }
      const deadline = Date.now() + 20_000
      while (received.length < sent.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(received).toEqual(sent)
      // The gateway ended connections, and kafkajs opened new ones in their place.
      expect(closedByGateway).toBeGreaterThan(0)
      expect(opened).toBeGreaterThan(closedByGateway)
    } finally {
      await consumer.disconnect()
      await producer.disconnect()
    }
  })
})
