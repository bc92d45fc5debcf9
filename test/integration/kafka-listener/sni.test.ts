// SNI routing: one TLS port serves the bootstrap and every broker, told apart by the server name,
// in both host formats. Clients resolve the names to 127.0.0.1 through their own socket settings.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { copyFileSync, readFileSync } from 'node:fs'
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { issue } from '../../../scripts/local-stack/tls.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { stack, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

/** Every host name goes to 127.0.0.1; TLS still sends (and checks) the name. */
const toLocalhost: ISocketFactory = ({ host, port, ssl, onConnect }) =>
  tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect)

describe('SNI routing on the Kafka listener', () => {
  let ca = ''
  const ports = { shared: 0, perCluster: 0 }

  beforeAll(async () => {
    // Certificates from the test stack's CA: a wildcard per format.
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-sni-'))
    const stackDir = path.dirname(stack().tls.caFile)
    for (const file of ['ca.crt', 'ca.key'])
      copyFileSync(path.join(stackDir, file), path.join(dir, file))
    issue(
      dir,
      'shared',
      '/CN=*.weir.test',
      'subjectAltName=DNS:*.weir.test\nextendedKeyUsage=serverAuth\n'
    )
    issue(
      dir,
      'cluster',
      '/CN=*.shop.weir.test',
      'subjectAltName=DNS:*.shop.weir.test\nextendedKeyUsage=serverAuth\n'
    )
    ca = readFileSync(path.join(dir, 'ca.crt'), 'utf8')
    ports.shared = await freePortRange(1)
    ports.perCluster = await freePortRange(1)
    await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
listeners:
  - name: health
    kind: http
    port: 0
  - name: shared
    kind: kafka
    virtualCluster: shop
    port: ${ports.shared}
    tls: { certFile: ${dir}/shared.crt, keyFile: ${dir}/shared.key }
    sni: { domain: weir.test, hostFormat: shared-suffix }
  - name: per-cluster
    kind: kafka
    virtualCluster: shop
    port: ${ports.perCluster}
    tls: { certFile: ${dir}/cluster.crt, keyFile: ${dir}/cluster.key }
    sni: { domain: weir.test }
`)
  })

  const client = (bootstrap: string) =>
    new Kafka({
      clientId: 'sni-test',
      brokers: [bootstrap],
      ssl: { ca: [ca] },
      socketFactory: toLocalhost,
      logLevel: logLevel.NOTHING,
    })

  it.each([
    [
      'shared-suffix',
      () => `bootstrap-shop.weir.test:${ports.shared}`,
      () => `broker-1-shop.weir.test`,
    ],
    [
      'per-cluster-suffix',
      () => `bootstrap.shop.weir.test:${ports.perCluster}`,
      () => `broker-1.shop.weir.test`,
    ],
  ])(
    '%s: one port, brokers by name; produce and consume through it',
    async (_format, bootstrap, brokerHost) => {
      const kafka = client(bootstrap())
      const admin = kafka.admin()
      await admin.connect()
      const cluster = await admin.describeCluster()
      const port = Number(bootstrap().split(':')[1])
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: brokerHost(), port }])
      const topic = uniqueName('sni')
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic, messages: [{ key: 'k', value: 'through SNI' }] })
      await producer.disconnect()
      const consumer = kafka.consumer({ groupId: uniqueName('sni-group') })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const value = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) })
      })
      await consumer.disconnect()
      expect(value).toBe('through SNI')
      await admin.deleteTopics({ topics: [topic] })
      await admin.disconnect()
    }
  )

  it('closes a TLS connection whose server name it does not serve', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: ports.shared,
        servername: 'bootstrap-other.weir.test',
        ca,
        rejectUnauthorized: false,
      })
      socket.on('error', () => resolve(true))
      socket.on('close', () => resolve(true))
      socket.on('secureConnect', () => socket.write(Buffer.alloc(8)))
    })
    expect(closed).toBe(true)
  })
})
