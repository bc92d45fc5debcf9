// Weir as kafka-proxy-secure meets it: two tenants (virtual clusters, each with its own namespace
// and SCRAM user) behind one TLS port routed by SNI, a validating JSON Schema policy, and what a
// Java client needs to reach a tenant (a hosts file for the SNI names, a SASL_SSL properties file).
//
// ProducerPerformance sends random bytes unless given a payload file, which it reads as UTF-8 and
// splits on newlines. The policy wants Confluent-framed values (magic byte 0, a 4-byte schema id),
// so the payloads are framed JSON: the frame is valid UTF-8 as long as every byte of the id is
// below 0x80 and none is a newline, which a registry's first ids are (checked below).
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Kafka } from 'kafkajs'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { issue, stackTls } from '../../scripts/local-stack/tls.ts'
import { scramSecrets } from '../../src/policy/index.ts'
import { startWeirServer, type ServerProcess } from '../gateway-process.ts'
import type { ClientSetup } from '../kafka-perf.ts'
import type { BenchContext } from '../scenario.ts'
import { plan as proxyPlan } from './kafka-proxy.ts'

export const secureName = 'kafka-proxy-secure'

export const securePlan = {
  /** Every payload, frame included: kafka-proxy's record size. */
  recordBytes: proxyPlan.recordBytes,
  /** Distinct payloads in the file; ProducerPerformance picks one at random per record. */
  payloads: 1000,
  /** The SNI domain: names resolve to 127.0.0.1 in the clients' JVMs. */
  domain: 'weir-bench.test',
  /**
   * The virtual clusters on the one port. Backend topics are `bench-<letter>-...` (see
   * freshTopic), so each namespace holds only its own tenant's topics. The first one also
   * carries the one-tenant runs.
   */
  tenants: [
    { virtualCluster: 'tenant-a', namespace: 'bench-a-', user: 'tenant-a', password: 'a-secret' },
    { virtualCluster: 'tenant-b', namespace: 'bench-b-', user: 'tenant-b', password: 'b-secret' },
  ],
}

export type TenantPlan = (typeof securePlan.tenants)[number]

const valueSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    id: { type: 'string' },
    seq: { type: 'integer', minimum: 0 },
    payload: { type: 'string' },
  },
  required: ['id', 'seq', 'payload'],
  additionalProperties: false,
}

export async function registerSchema(registryUrl: string, subject: string): Promise<number> {
  const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(valueSchema) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`registering ${subject} failed: ${res.status} ${text}`)
  return (JSON.parse(text) as { id: number }).id
}

/**
 * JSON payloads of exactly securePlan.recordBytes, one a line: Confluent-framed with `schemaId`,
 * plain JSON without one.
 */
export function payloadFile(file: string, schemaId?: number): void {
  const frame = Buffer.alloc(schemaId === undefined ? 0 : 5)
  if (schemaId !== undefined) {
    frame.writeUInt8(0, 0)
    frame.writeUInt32BE(schemaId, 1)
  }
  if (frame.some((b) => b >= 0x80 || b === 0x0a || b === 0x0d)) {
    throw new Error(
      `schema id ${schemaId} does not frame as UTF-8 text without line breaks, which ` +
        `ProducerPerformance's --payload-file needs; use a fresh registry`
    )
  }
  const lines: Buffer[] = []
  for (let seq = 0; seq < securePlan.payloads; seq++) {
    const empty = JSON.stringify({ id: `r-${seq}`, seq, payload: '' })
    const fill = securePlan.recordBytes - frame.length - Buffer.byteLength(empty)
    const payload = randomBytes(fill).toString('base64url').slice(0, fill)
    const json = JSON.stringify({ id: `r-${seq}`, seq, payload })
    lines.push(Buffer.concat([frame, Buffer.from(json), Buffer.from('\n')]))
  }
  writeFileSync(file, Buffer.concat(lines))
}

function virtualCluster(tenant: TenantPlan, scram: string): string {
  return `  - name: ${tenant.virtualCluster}
    backendCluster: bench
    namespace: { prefix: '${tenant.namespace}' }
    schemaRegistry: registry
    policies: [bench-json]
    authentication:
      - kind: scram
        users:
          - ${scram}
`
}

function weirConfig(options: {
  bootstrap: string
  registryUrl: string
  port: number
  health: number
  certDir: string
  virtualClusters: string
}): string {
  const { bootstrap, registryUrl, port, health, certDir, virtualClusters } = options
  const names = securePlan.tenants.map((t) => t.virtualCluster).join(', ')
  // The kafka listener comes first: /readyz answering means its port is bound.
  return `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
schemaRegistries:
  - name: registry
    url: ${registryUrl}
virtualClusters:
${virtualClusters}policies:
  - name: bench-json
    kind: schema
    topics: ['${secureName}-*']
    value: { format: json-schema }
    validate: true
listeners:
  - name: kafka
    kind: kafka
    virtualClusters: [${names}]
    host: 127.0.0.1
    port: ${port}
    tls: { certFile: ${certDir}/weir.crt, keyFile: ${certDir}/weir.key }
    sni: { domain: ${securePlan.domain}, hostFormat: shared-suffix }
  - name: health
    kind: http
    host: 127.0.0.1
    port: ${health}
logging:
  level: warn
`
}

/** How a Java client reaches one tenant through Weir. */
export interface TenantAccess {
  plan: TenantPlan
  /** The tenant's SNI bootstrap name and Weir's port. */
  bootstrap: string
  /** Its SASL_SSL properties file and the JVM option resolving the SNI names. */
  client: ClientSetup
}

export interface SecureWeir {
  weir: ServerProcess
  tenants: TenantAccess[]
}

/**
 * A CA and a wildcard certificate for the SNI domain, Weir with them serving every tenant on one
 * port, and each tenant's client setup.
 */
export async function startSecureWeir(
  ctx: BenchContext,
  kafka: Kafka,
  dir: string
): Promise<SecureWeir> {
  const registryUrl = ctx.registryUrl
  if (!registryUrl) throw new Error(`${secureName} needs a schema registry`)
  const certDir = path.join(dir, 'tls')
  const { caFile } = stackTls(certDir)
  const wildcard = `*.${securePlan.domain}`
  issue(
    certDir,
    'weir',
    `/CN=${wildcard}`,
    `subjectAltName=DNS:${wildcard}\nextendedKeyUsage=serverAuth\n`
  )

  const admin = kafka.admin()
  await admin.connect()
  const { brokers } = await admin.describeCluster().finally(() => admin.disconnect())
  const namesOf = (vc: string): string[] => [
    `bootstrap-${vc}.${securePlan.domain}`,
    ...brokers.map((b) => `broker-${b.nodeId}-${vc}.${securePlan.domain}`),
  ]
  const hostsFile = path.join(dir, 'hosts')
  const allNames = securePlan.tenants.flatMap((t) => namesOf(t.virtualCluster))
  writeFileSync(hostsFile, allNames.map((n) => `127.0.0.1 ${n}\n`).join(''))

  const port = await freePort()
  const health = await freePort()
  const tenants: TenantAccess[] = []
  let virtualClusters = ''
  for (const tenant of securePlan.tenants) {
    const s = await scramSecrets('scram-sha-512', tenant.password)
    const scram =
      `{ username: ${tenant.user}, mechanism: scram-sha-512, salt: '${s.salt}', ` +
      `iterations: ${s.iterations}, storedKey: '${s.storedKey}', serverKey: '${s.serverKey}' }`
    virtualClusters += virtualCluster(tenant, scram)
    const configFile = path.join(dir, `${tenant.virtualCluster}.properties`)
    writeFileSync(
      configFile,
      [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required ' +
          `username="${tenant.user}" password="${tenant.password}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${caFile}`,
        '',
      ].join('\n')
    )
    tenants.push({
      plan: tenant,
      bootstrap: `${namesOf(tenant.virtualCluster)[0] ?? ''}:${port}`,
      client: { configFile, jvmArgs: [`-Djdk.net.hosts.file=${hostsFile}`] },
    })
  }
  const config = path.join(dir, 'weir.yaml')
  writeFileSync(
    config,
    weirConfig({ bootstrap: ctx.bootstrap, registryUrl, port, health, certDir, virtualClusters })
  )
  const weir = await startWeirServer({
    config,
    logFile: path.join(dir, 'weir.log'),
    url: `http://127.0.0.1:${health}`,
  })
  return { weir, tenants }
}
