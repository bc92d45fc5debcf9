// `weir start --workers 2` with TLS on every door: an HTTPS listener, a port-mapped Kafka listener
// and an SNI Kafka listener, each served by both workers with handshakes that succeed, and a
// certificate renewed on disk served by both workers to the next handshakes.
import { renameSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { connect as tlsConnect, type PeerCertificate } from 'node:tls'
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/local-stack/ports.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { readTopicIds } from '../../support/load.ts'
import { freePortRange } from '../../support/ports.ts'
import { testCa } from '../../support/tls.ts'
import { startWeir } from '../../support/weir-process.ts'
import { produceFromFourClients } from './workers-clients.ts'

const ca = testCa('weir-workers-tls-')
const domain = `${uniqueName('workers')}.test`
// shared-suffix names (bootstrap-vc.<domain>, broker-1-vc.<domain>) are all under one wildcard.
const files = ca.issue('gateway', [`*.${domain}`])

/** Clients resolve every name to 127.0.0.1 and send it as the TLS server name. */
const toLocalhost: ISocketFactory = ({ host, port, ssl, onConnect }) =>
  tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect)

function weirConfig(topic: string, ports: { https: number; kafka: number; sni: number }) {
  const tls = `{ certFile: ${files.certFile}, keyFile: ${files.keyFile}, reloadIntervalMs: 100 }`
  return `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: health
    kind: http
    port: \${PORT}
  - name: https
    kind: http
    port: ${ports.https}
    tls: ${tls}
    routes:
      - { path: /events, virtualCluster: vc, topic: ${topic}, delivery: { mode: async } }
  - name: kafka
    kind: kafka
    virtualCluster: vc
    port: ${ports.kafka}
    advertisedHost: kafka.${domain}
    tls: ${tls}
  - name: sni
    kind: kafka
    virtualClusters: [vc]
    port: ${ports.sni}
    tls: ${tls}
    sni: { domain: ${domain}, hostFormat: shared-suffix }
`
}

/** weir_worker_requests by worker, from the primary's /metrics. */
async function requestsPerWorker(metricsPort: number): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const found = [0, 0]
  for (const m of text.matchAll(/^weir_worker_requests\{worker="(\d+)"\} (\S+)$/gm)) {
    found[Number(m[1])] = Number(m[2])
  }
  return found
}

/** POST one event over a new HTTPS connection (no keep-alive: each one a handshake). */
function postOverHttps(port: number, value: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: `gateway.${domain}`,
        path: '/events',
        method: 'POST',
        ca: ca.ca,
        agent: new Agent({ keepAlive: false }),
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume()
        res.once('end', () => resolve(res.statusCode ?? 0))
      }
    )
    req.once('error', reject)
    req.end(JSON.stringify({ value }))
  })
}

/** The certificate a new handshake on `port` with `servername` gets (verified against the CA). */
function peerCertificate(port: number, servername: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca: ca.ca }, () => {
      resolve(socket.getPeerCertificate())
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

/** Four Kafka clients of their own, each producing one record through `broker`. */
async function produceThrough(broker: string, topic: string, tag: string): Promise<void> {
  const kafka = new Kafka({
    clientId: `workers-tls-${tag}`,
    brokers: [broker],
    ssl: { ca: [ca.ca] },
    socketFactory: toLocalhost,
    logLevel: logLevel.NOTHING,
  })
  await produceFromFourClients(kafka, topic, tag)
}

/** Each worker's requests added since `before`. */
const added = (now: number[], before: number[]) => now.map((n, i) => n - (before[i] ?? 0))

describe('weir start --workers 2 with TLS listeners', () => {
  it('serves HTTPS, a TLS Kafka listener and an SNI port from both workers, and reloads the certificate on both', async () => {
    const topic = await createTopic('workers-tls', 2)
    const ports = {
      https: await freePort(),
      kafka: await freePortRange(3),
      sni: await freePortRange(1),
    }
    const metricsPort = await freePort()
    const weir = await startWeir({
      yaml: weirConfig(topic, ports),
      args: ['--workers', '2', '--metrics-port', String(metricsPort)],
    })
    await weir.waitForLog((l) => l.msg === 'weir started', 20_000)

    // HTTPS: a handshake per request, spread over both workers.
    const statuses = []
    for (let i = 0; i < 8; i++) statuses.push(await postOverHttps(ports.https, `https-${i}`))
    expect(statuses, weir.tail()).toEqual(Array(8).fill(202))
    const afterHttps = await requestsPerWorker(metricsPort)
    expect(
      afterHttps.every((n) => n > 0),
      `per worker: ${afterHttps.join(', ')}`
    ).toBe(true)

    // The port-mapped TLS Kafka listener: bootstrap and broker connections on both workers.
    await produceThrough(`kafka.${domain}:${ports.kafka}`, topic, 'kafka')
    const afterKafka = await requestsPerWorker(metricsPort)
    const kafkaShare = added(afterKafka, afterHttps)
    expect(
      kafkaShare.every((n) => n > 0),
      `per worker: ${kafkaShare.join(', ')}`
    ).toBe(true)

    // The SNI port: the server name picks the virtual cluster and the broker, on both workers.
    await produceThrough(`bootstrap-vc.${domain}:${ports.sni}`, topic, 'sni')
    const sniShare = added(await requestsPerWorker(metricsPort), afterKafka)
    expect(
      sniShare.every((n) => n > 0),
      `per worker: ${sniShare.join(', ')}`
    ).toBe(true)

    const values = await readTopicIds(testKafka(), topic)
    expect(values.length).toBe(16)

    // A renewed certificate: every worker's listeners read it, so every new handshake gets it.
    const before = await peerCertificate(ports.https, `gateway.${domain}`)
    renameSync(ca.renew('gateway'), files.certFile) // atomically, as a secret volume swaps
    // Each worker reads the files for each of its listeners: six readers, each logs once.
    const reloaded = () =>
      weir.logs
        .filter((l) => l.msg === 'TLS certificates reloaded: new connections get them')
        .map((l) => `${String(l.worker)} ${String(l.listener)}`)
        .sort()
    await expect
      .poll(reloaded, { timeout: 10_000 })
      .toEqual(['0 https', '0 kafka', '0 sni', '1 https', '1 kafka', '1 sni'])
    const serials = new Set<string>()
    for (const [port, name] of [
      [ports.https, `gateway.${domain}`],
      [ports.kafka, `kafka.${domain}`],
      [ports.sni, `bootstrap-vc.${domain}`],
      [ports.sni, `broker-1-vc.${domain}`],
    ] as const) {
      for (let i = 0; i < 4; i++) serials.add((await peerCertificate(port, name)).serialNumber)
    }
    expect([...serials]).not.toContain(before.serialNumber)
    expect(serials.size).toBe(1)
  })
})
