// Certificates on an SNI Kafka listener with per-cluster-suffix names, where no one wildcard can
// cover two virtual clusters: each virtual cluster's names get the certificate whose SANs match
// them (clients verify the host name), and a certificate renewed on disk serves the next
// handshakes while connections opened before it carry on.
import { renameSync } from 'node:fs'
import { connect as tlsConnect, type PeerCertificate } from 'node:tls'
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apis } from '../../../src/protocol/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { testCa } from '../../support/tls.ts'

const toLocalhost: ISocketFactory = ({ host, port, ssl, onConnect }) =>
  tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect)

const ca = testCa('weir-sni-certs-')
const domain = `${uniqueName('certs')}.test`
const files = {
  shop: ca.issue('shop', [`*.shop.${domain}`]),
  books: ca.issue('books', [`*.books.${domain}`]),
}
let port = 0
const held: WireClient[] = []

/** The certificate a handshake with `servername` is given. */
function peerCertificate(servername: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca: ca.ca }, () => {
      resolve(socket.getPeerCertificate())
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

beforeAll(async () => {
  port = await freePortRange(1)
  await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
  - name: books
    backendCluster: main
listeners:
  - name: health
    kind: http
    port: 0
  - name: tenants
    kind: kafka
    port: ${port}
    virtualClusters: [shop, books]
    tls:
      certFile: ${files.shop.certFile}
      keyFile: ${files.shop.keyFile}
      certificates: [{ certFile: ${files.books.certFile}, keyFile: ${files.books.keyFile} }]
      reloadIntervalMs: 100
    sni: { domain: ${domain}, hostFormat: per-cluster-suffix }
`)
})

afterAll(() => {
  for (const client of held) client.socket.destroy()
})

describe('certificates on an SNI Kafka listener', () => {
  it.each(['shop', 'books'])(
    '%s: clients that check host names reach it through its own certificate',
    async (vc) => {
      expect((await peerCertificate(`bootstrap.${vc}.${domain}`)).subjectaltname).toBe(
        `DNS:*.${vc}.${domain}`
      )
      const admin = new Kafka({
        clientId: 'sni-certs',
        brokers: [`bootstrap.${vc}.${domain}:${port}`],
        ssl: { ca: [ca.ca] },
        socketFactory: toLocalhost,
        logLevel: logLevel.NOTHING,
      }).admin()
      await admin.connect()
      try {
        // The broker connection is a second handshake, under the broker's own name.
        expect((await admin.describeCluster()).brokers).toEqual([
          { nodeId: 1, host: `broker-1.${vc}.${domain}`, port },
        ])
        expect(await admin.listTopics()).toEqual(expect.any(Array))
      } finally {
        await admin.disconnect()
      }
    }
  )

  it('serves a certificate renewed on disk to new handshakes, keeping open connections', async () => {
    const before = await peerCertificate(`bootstrap.books.${domain}`)
    const open = await WireClient.connectTls(port, `bootstrap.books.${domain}`, ca.ca)
    held.push(open)
    expect((await open.roundTrip(apis.apiVersions, 2)).body.errorCode).toBe(0)

    renameSync(ca.renew('books'), files.books.certFile) // atomically, as a secret volume swaps
    let after = before
    const deadline = Date.now() + 10_000
    while (after.serialNumber === before.serialNumber && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      after = await peerCertificate(`bootstrap.books.${domain}`)
    }
    expect(after.serialNumber).not.toBe(before.serialNumber)
    expect(after.subjectaltname).toBe(`DNS:*.books.${domain}`)
    // The other virtual cluster's certificate did not change, and the open connection goes on.
    expect((await peerCertificate(`bootstrap.shop.${domain}`)).subjectaltname).toBe(
      `DNS:*.shop.${domain}`
    )
    expect((await open.roundTrip(apis.apiVersions, 2)).body.errorCode).toBe(0)
    expect(open.isClosed).toBe(false)
  })
})
