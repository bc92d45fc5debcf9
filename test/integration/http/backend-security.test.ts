// Weir talks to brokers that want credentials: SASL (PLAIN, SCRAM) and TLS with a client
// certificate (mTLS), as configured on the backend cluster.
import { describe, expect, it } from 'vitest'
import { kafkaSaslUsers } from '../../../scripts/local-stack/kafka.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack } from '../../support/kafka.ts'

/** The Kafka client libraries a backend cluster can use (`client`): each passes every test here. */
const clients = ['kafkajs', 'platformatic'] as const

async function produceThrough(backend: string): Promise<Response> {
  const topic = await createTopic('secure')
  const { url } = await startTestGateway(
    `virtualClusters:
  - name: vc
    backendCluster: secure
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /events, topic: ${topic}, virtualCluster: vc }
`,
    {},
    `  - name: secure
${backend}`
  )
  return fetch(`${url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"ok":true}',
  })
}

describe.each(clients)('backend cluster security (%s client)', (client) => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    'produces over SASL %s',
    async (mechanism) => {
      const res = await produceThrough(`    client: ${client}
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: ${mechanism}, username: alice, password: ${kafkaSaslUsers.alice} }
`)
      expect(res.status).toBe(202)
    }
  )

  it('answers 503 when the SASL credentials are wrong', async () => {
    const res = await produceThrough(`    client: ${client}
    bootstrapServers: ${stack().saslBootstrap}
    connectionTimeoutMs: 1000
    sasl: { mechanism: plain, username: alice, password: wrong }
    producer: { retries: 0 }
`)
    expect(res.status).toBe(503)
  })

  it('produces over TLS with a client certificate', async () => {
    const { tls } = stack()
    const res = await produceThrough(`    client: ${client}
    bootstrapServers: ${stack().sslBootstrap}
    tls: { caFile: ${tls.caFile}, certFile: ${tls.clientCertFile}, keyFile: ${tls.clientKeyFile} }
`)
    expect(res.status).toBe(202)
  })

  it('is refused by the broker without the client certificate', async () => {
    const res = await produceThrough(`    client: ${client}
    bootstrapServers: ${stack().sslBootstrap}
    connectionTimeoutMs: 1000
    tls: { caFile: ${stack().tls.caFile} }
    producer: { retries: 0 }
`)
    expect(res.status).toBe(503)
  })
})
