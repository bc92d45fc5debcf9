// Many virtual clusters on one TLS port, chosen by the server name: each tenant reaches only its
// own namespace; a name the listener does not serve fails the handshake; tenants join, leave and
// start again on a reload while the others' connections stay open.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issue } from '../../../scripts/local-stack/tls.ts'
import type { Gateway } from '../../../src/gateway.ts'
import { apis } from '../../../src/protocol/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway, testConfig } from '../../support/gateway.ts'
import { stack, testKafka, uniqueName } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'

/** Every host name goes to 127.0.0.1; TLS still sends (and checks) the name. */
const toLocalhost: ISocketFactory = ({ host, port, ssl, onConnect }) =>
  tlsConnect({ ...ssl, host: '127.0.0.1', port, servername: host }, onConnect)

const domain = `${uniqueName('tenants')}.test`
const prefixes = {
  'tenant-a': `${uniqueName('ta')}.`,
  'tenant-b': `${uniqueName('tb')}.`,
  'tenant-c': `${uniqueName('tc')}.`,
}
let ca = ''
let certDir = ''
let port = 0
let gateway: Gateway
const opened: { close(): void }[] = []

/** The gateway's config body: `tenants` as virtual clusters, all served by one SNI listener. */
function body(tenants: Record<string, string>): string {
  const vcs = Object.entries(tenants)
    .map(
      ([name, prefix]) =>
        `  - name: ${name}\n    backendCluster: main\n    namespace: { prefix: '${prefix}' }\n`
    )
    .join('')
  // A virtual cluster whose name cannot be a host label: the glob leaves it out.
  return `virtualClusters:
${vcs}  - name: http.only
    backendCluster: main
listeners:
  - name: health
    kind: http
    port: 0
  - name: tenants
    kind: kafka
    port: ${port}
    virtualClusters: ['tenant-*']
    tls: { certFile: ${certDir}/wildcard.crt, keyFile: ${certDir}/wildcard.key }
    sni: { domain: ${domain}, hostFormat: shared-suffix }
`
}

const kafkaOf = (tenant: string) =>
  new Kafka({
    clientId: 'sni-tenants',
    brokers: [`bootstrap-${tenant}.${domain}:${port}`],
    ssl: { ca: [ca] },
    socketFactory: toLocalhost,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  })

/** A raw connection to a tenant's bootstrap, kept open across reloads. */
async function held(tenant: string): Promise<WireClient> {
  const client = await WireClient.connectTls(port, `bootstrap-${tenant}.${domain}`, ca)
  opened.push({ close: () => client.socket.destroy() })
  return client
}

async function answers(client: WireClient): Promise<number> {
  const { body } = await client.roundTrip(apis.apiVersions, 2)
  return body.errorCode
}

/** How a TLS handshake with `servername` ends: 'connected', or the error's code. */
function handshake(servername: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca })
    socket.once('secureConnect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

beforeAll(async () => {
  certDir = mkdtempSync(path.join(tmpdir(), 'weir-sni-tenants-'))
  const stackDir = path.dirname(stack().tls.caFile)
  for (const file of ['ca.crt', 'ca.key']) {
    copyFileSync(path.join(stackDir, file), path.join(certDir, file))
  }
  // One wildcard covers every tenant: shared-suffix names are one label under the domain.
  issue(
    certDir,
    'wildcard',
    `/CN=*.${domain}`,
    `subjectAltName=DNS:*.${domain}\nextendedKeyUsage=serverAuth\n`
  )
  ca = readFileSync(path.join(certDir, 'ca.crt'), 'utf8')
  port = await freePortRange(1)
  const { 'tenant-c': _, ...initial } = prefixes
  ;({ gateway } = await startTestGateway(body(initial)))
})

afterAll(async () => {
  for (const client of opened) client.close()
  const admin = testKafka().admin()
  await admin.connect()
  const topics = (await admin.listTopics()).filter((t) =>
    Object.values(prefixes).some((p) => t.startsWith(p))
  )
  if (topics.length > 0) await admin.deleteTopics({ topics })
  await admin.disconnect()
})

describe('virtual clusters by SNI on one port', () => {
  it('gives each tenant its own brokers, topics and records under the same names', async () => {
    const topic = uniqueName('shared-name')
    for (const tenant of ['tenant-a', 'tenant-b']) {
      const kafka = kafkaOf(tenant)
      const admin = kafka.admin()
      await admin.connect()
      const cluster = await admin.describeCluster()
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: `broker-1-${tenant}.${domain}`, port }])
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic, messages: [{ value: `from ${tenant}` }] })
      await producer.disconnect()
      await admin.disconnect()
    }
    for (const tenant of ['tenant-a', 'tenant-b']) {
      const consumer = kafkaOf(tenant).consumer({ groupId: uniqueName('sni-tenants') })
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      const values = await new Promise<string[]>((resolve) => {
        const seen: string[] = []
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(String(message.value))
            // A second record (the other tenant's) would arrive in the same fetch.
            setTimeout(() => resolve(seen), 500)
          },
        })
      })
      await consumer.disconnect()
      expect(values).toEqual([`from ${tenant}`])
    }
    // On the backend the two topics are apart, each under its tenant's prefix.
    const admin = testKafka().admin()
    await admin.connect()
    const backend = await admin.listTopics()
    await admin.disconnect()
    expect(backend).toContain(`${prefixes['tenant-a']}${topic}`)
    expect(backend).toContain(`${prefixes['tenant-b']}${topic}`)
  })

  it('refuses a server name it does not serve during the handshake', async () => {
    expect(await handshake(`bootstrap-tenant-a.${domain}`)).toBe('connected')
    // Not configured, not matched by the glob's host label rule, another domain, no name at all.
    expect(await handshake(`bootstrap-tenant-z.${domain}`)).toBe('ERR_SSL_TLSV1_UNRECOGNIZED_NAME')
    expect(await handshake(`bootstrap-http.only.${domain}`)).toBe('ERR_SSL_TLSV1_UNRECOGNIZED_NAME')
    expect(await handshake(`broker-9-tenant-a.${domain}`)).toBe('ERR_SSL_TLSV1_UNRECOGNIZED_NAME')
    expect(await handshake('bootstrap-tenant-a.example.com')).toBe(
      'ERR_SSL_TLSV1_UNRECOGNIZED_NAME'
    )
  })

  it('takes tenants in and out on a reload, leaving the others connected', async () => {
    const a = await held('tenant-a')
    const b = await held('tenant-b')
    expect(await answers(a)).toBe(0)
    expect(await answers(b)).toBe(0)

    // tenant-c joins.
    const joined = await gateway.reload(testConfig(body(prefixes)))
    expect(joined.failed).toEqual([])
    expect(joined.plan.listeners).toContainEqual({
      kind: 'update',
      listener: 'tenants',
      reason: 'virtual clusters joined: tenant-c',
    })
    const c = await held('tenant-c')
    expect(await answers(c)).toBe(0)
    expect(await answers(a)).toBe(0)
    expect(await answers(b)).toBe(0)

    // tenant-c's namespace changes: its connections start again, nobody else's.
    const moved = `${uniqueName('tc2')}.`
    const changed = await gateway.reload(testConfig(body({ ...prefixes, 'tenant-c': moved })))
    expect(changed.plan.listeners).toContainEqual({
      kind: 'update',
      listener: 'tenants',
      reason: 'virtual cluster "tenant-c" namespace changed',
    })
    await c.closed
    expect(await answers(a)).toBe(0)
    expect(await answers(b)).toBe(0)

    // tenant-b leaves the config: its connections close, and its name is refused from now on.
    const rest: Record<string, string> = { 'tenant-a': prefixes['tenant-a'], 'tenant-c': moved }
    const left = await gateway.reload(testConfig(body(rest)))
    expect(left.plan.listeners).toContainEqual({
      kind: 'update',
      listener: 'tenants',
      reason: 'virtual clusters left: tenant-b',
    })
    await b.closed
    expect(await answers(a)).toBe(0)
    expect(a.isClosed).toBe(false)
    expect(await handshake(`bootstrap-tenant-b.${domain}`)).toBe('ERR_SSL_TLSV1_UNRECOGNIZED_NAME')
  })
})
