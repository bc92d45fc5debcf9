// Client certificates on the Kafka listener: a certificate the listener's CA verified names the
// principal (the `mtls` method), with no SASL; the same ACLs then apply to it.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

describe('mTLS on the Kafka listener', () => {
  let port = 0
  let allowed = ''
  let other = ''
  let ca = ''

  beforeAll(async () => {
    const tls = stack().tls
    const dir = path.dirname(tls.caFile)
    ca = readFileSync(tls.caFile, 'utf8')
    allowed = await createTopic('mtls-ok')
    other = await createTopic('mtls-not')
    port = await freePortRange(3)
    // The stack's broker certificate is for 127.0.0.1: Weir can present it too.
    await startTestGateway(`virtualClusters:
  - name: certs
    backendCluster: main
    authentication:
      - kind: mtls
    policies: [by-cert]
policies:
  - name: by-cert
    kind: acl
    rules:
      - { principals: [weir-client], names: ['${allowed}'], operations: [produce, consume, describe] }
listeners:
  - name: health
    kind: http
    port: 0
  - name: kafka
    kind: kafka
    virtualCluster: certs
    port: ${port}
    tls: { certFile: ${dir}/broker.crt, keyFile: ${dir}/broker.key, clientCaFile: ${tls.caFile} }
`)
  })

  const kafka = (withCert: boolean) =>
    new Kafka({
      clientId: 'mtls-test',
      brokers: [`127.0.0.1:${port}`],
      ssl: withCert
        ? {
            ca: [ca],
            cert: readFileSync(stack().tls.clientCertFile, 'utf8'),
            key: readFileSync(stack().tls.clientKeyFile, 'utf8'),
          }
        : { ca: [ca] },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    })

  it('takes the certificate CN as the principal, and its ACLs apply', async () => {
    const admin = kafka(true).admin()
    await admin.connect()
    const topics = await admin.listTopics()
    expect(topics).toContain(allowed)
    expect(topics).not.toContain(other)
    await admin.disconnect()
    const producer = kafka(true).producer()
    await producer.connect()
    await producer.send({ topic: allowed, messages: [{ value: 'by certificate' }] })
    await producer.disconnect()
  })

  it('without a certificate (and no SASL) the client is not let in', async () => {
    const admin = kafka(false).admin()
    // Connecting only asks ApiVersions, which is served before authentication; anything else
    // ends the connection.
    await admin.connect().catch(() => undefined)
    // The listener ends the connection (a gateway that is down would say "Failed to connect").
    await expect(admin.listTopics()).rejects.toThrow(
      /Closed connection|Connection closed by the server/
    )
    await admin.disconnect()
  })
})
