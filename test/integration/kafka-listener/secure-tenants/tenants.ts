// The setup every secure-tenants test file shares: two namespaced virtual clusters, tenant-a and
// tenant-b, on ONE kafka listener and ONE TLS port, chosen by SNI (shared-suffix host names, one
// wildcard certificate), on one backend, with SASL at the gateway (its own users per tenant, the
// same user names in both, other passwords) and an ACL policy of its own per tenant, while Weir
// logs in to the broker's SASL listener with the backend's own credentials. Each test file runs
// one client type through both tenants against a gateway of its own (its own domain, port and
// prefixes), so the files can run side by side.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
import { issue } from '../../../../scripts/local-stack/tls.ts'
import { scramSecrets, type ScramMechanism } from '../../../../src/policy/index.ts'
import { hashPassword } from '../../../../src/policy/secrets.ts'
import { addHostsEntries, type HostsEntries } from '../../../compat/hosts-file.ts'
import { startTestGateway } from '../../../support/gateway.ts'
import { createTopicNamed, stack, testKafka, uniqueName } from '../../../support/kafka.ts'
import { freePortRange } from '../../../support/ports.ts'

// A JVM, then the clients, start slowly on two cores; TLS and SCRAM add round trips.
export const SLOW = { timeout: 240_000 }

export type Tag = 'a' | 'b'
export const TAGS = [['a'], ['b']] as const

export interface Tenant {
  tag: Tag
  name: string
  /** The namespace prefix on the backend. */
  prefix: string
  bootstrapHost: string
  brokerHost: string
  /** The topic, group and transactional id names (globs `<name>*`) the tenant's ACL denies. */
  denied: string
  /** Each client type logs in as its own user, with a password of this tenant's. */
  password(user: string): string
}

export interface Broker {
  id: number
  host: string
  port: number
}

/** What one tenant scenario run reports, in every client. */
export interface TenantResult {
  read?: string[]
  committed?: Record<string, number>
  topics: string[]
  groups: string[]
  clusterId: string
}

// One domain per file: nothing else resolves (or has certificates for) these names.
export const domain = `${uniqueName('weir')}.test`
const tenant = (tag: Tag, denied: string): Tenant => ({
  tag,
  name: `tenant-${tag}`,
  prefix: `${uniqueName(`t${tag}`)}.`,
  bootstrapHost: `bootstrap-tenant-${tag}.${domain}`,
  brokerHost: `broker-1-tenant-${tag}.${domain}`,
  denied,
  password: (user) => `${user}-${tag}-secret`,
})
export const tenants: Record<Tag, Tenant> = { a: tenant('a', 'payroll'), b: tenant('b', 'audit') }
/** A server name of the listener's form for a virtual cluster that does not exist. */
export const unknownHost = `bootstrap-tenant-z.${domain}`
/** Every SNI name a client of this file may use, the unknown one included. */
export const hostNames = [
  ...[tenants.a, tenants.b].flatMap((t) => [t.bootstrapHost, t.brokerHost]),
  unknownHost,
]
export const other = (t: Tenant): Tenant => (t.tag === 'a' ? tenants.b : tenants.a)

/** The one port both tenants share, once started. */
export let port = 0
export let caFile = ''
export let ca = ''

export const bootstrapOf = (t: Tenant) => `${t.bootstrapHost}:${port}`
export const brokerOf = (t: Tenant): Broker => ({ id: 1, host: t.brokerHost, port })
/** The only addresses a client of the tenant may learn or connect to. */
export const weirAddresses = (t: Tenant) => [
  `${t.bootstrapHost}:${port}`,
  `${t.brokerHost}:${port}`,
]

export type Mechanism = ScramMechanism | 'plain'

/** The user, and its mechanism, each client type logs in with. */
const users: Record<Tag, { username: string; mechanism: Mechanism }[]> = {
  a: [
    { username: 'java', mechanism: 'scram-sha-512' },
    { username: 'kafkajs', mechanism: 'plain' },
    { username: 'rdkafka', mechanism: 'scram-sha-512' },
  ],
  b: [
    { username: 'java', mechanism: 'scram-sha-512' },
    { username: 'kafkajs', mechanism: 'scram-sha-256' },
    { username: 'rdkafka', mechanism: 'scram-sha-256' },
  ],
}
export const mechanismOf = (t: Tenant, username: string): Mechanism =>
  users[t.tag].find((u) => u.username === username)?.mechanism ?? 'plain'

/** librdkafka's settings (python3-confluent-kafka and kcat) for its user on a tenant. */
export const rdkafkaConfig = (t: Tenant): Record<string, string> => ({
  'security.protocol': 'SASL_SSL',
  'sasl.mechanisms': mechanismOf(t, 'rdkafka').toUpperCase(),
  'sasl.username': 'rdkafka',
  'sasl.password': t.password('rdkafka'),
  'ssl.ca.location': caFile,
  // The default since librdkafka 2.0, spelt out: the certificate must match the SNI name.
  'ssl.endpoint.identification.algorithm': 'https',
})

let certDir = ''
let hosts: HostsEntries | undefined

/**
 * Starts the gateway: one wildcard certificate from the test stack's CA, one port. With
 * `hostsFile`, the SNI names go into /etc/hosts until stopTenants (librdkafka resolves through
 * the system only).
 */
export async function startTenants({ hostsFile = false } = {}): Promise<void> {
  certDir = mkdtempSync(path.join(tmpdir(), 'weir-secure-tenants-'))
  const stackDir = path.dirname(stack().tls.caFile)
  for (const file of ['ca.crt', 'ca.key']) {
    copyFileSync(path.join(stackDir, file), path.join(certDir, file))
  }
  // Shared-suffix names are one label under the domain: one wildcard covers both tenants.
  const wildcard = `*.${domain}`
  issue(
    certDir,
    'wildcard',
    `/CN=${wildcard}`,
    `subjectAltName=DNS:${wildcard}\nextendedKeyUsage=serverAuth\n`
  )
  caFile = path.join(certDir, 'ca.crt')
  ca = readFileSync(caFile, 'utf8')
  port = await freePortRange(1)
  if (hostsFile) hosts = addHostsEntries(hostNames)
  const virtualCluster = async (t: Tenant) => `  - name: ${t.name}
    backendCluster: secure
    namespace: { prefix: '${t.prefix}' }
    authentication:
${await authentication(t)}    policies: [${t.name}-acl]
`
  await startTestGateway(
    `virtualClusters:
${await virtualCluster(tenants.a)}${await virtualCluster(tenants.b)}policies:
${acl(tenants.a)}${acl(tenants.b)}listeners:
  - name: health
    kind: http
    port: 0
  - name: tenants
    kind: kafka
    port: ${port}
    virtualClusters: [${tenants.a.name}, ${tenants.b.name}]
    tls: { certFile: ${certDir}/wildcard.crt, keyFile: ${certDir}/wildcard.key }
    sni: { domain: ${domain}, hostFormat: shared-suffix }
`,
    {},
    `  - name: secure
    bootstrapServers: ${stack().saslBootstrap}
    sasl: { mechanism: scram-sha-512, username: admin, password: admin-secret }
`
  )
}

/** The tenant's authentication methods: its SCRAM users, then its PLAIN (basic) ones if any. */
async function authentication(t: Tenant): Promise<string> {
  let scram = ''
  let basic = ''
  for (const { username, mechanism } of users[t.tag]) {
    if (mechanism === 'plain') {
      basic += `          - { username: ${username}, passwordHash: '${await hashPassword(t.password(username))}' }\n`
    } else {
      const s = await scramSecrets(mechanism, t.password(username))
      scram += `          - { username: ${username}, mechanism: ${mechanism}, salt: '${s.salt}', iterations: ${s.iterations}, storedKey: '${s.storedKey}', serverKey: '${s.serverKey}' }\n`
    }
  }
  const plain = basic === '' ? '' : `      - kind: basic\n        users:\n${basic}`
  return `      - kind: scram\n        users:\n${scram}${plain}`
}

/**
 * The tenant's ACL: its users may do what the suite does on every topic, group and transactional
 * id, except those named after `denied`, which nobody may touch (an explicit deny wins). Each
 * tenant denies another name, so one tenant's ACL never reaches the other's clients.
 */
function acl(t: Tenant): string {
  const principals = `[${users[t.tag].map((u) => u.username).join(', ')}]`
  return `  - name: ${t.name}-acl
    kind: acl
    rules:
      - { principals: ${principals}, names: ['*'], operations: [produce, consume, describe, manage] }
      - { principals: ${principals}, resource: group, names: ['*'], operations: [consume, describe, manage] }
      - { principals: ${principals}, resource: transactional-id, names: ['*'], operations: [produce, describe] }
      - { effect: deny, principals: ['*'], names: ['${t.denied}*'], operations: [produce, consume, describe, manage] }
      - { effect: deny, principals: ['*'], resource: group, names: ['${t.denied}*'], operations: [consume, describe, manage] }
      - { effect: deny, principals: ['*'], resource: transactional-id, names: ['${t.denied}*'], operations: [produce, describe] }
`
}

/** Creates `names` in the tenant's namespace on the backend, as the backend's own admin. */
export async function createTenantTopics(t: Tenant, names: string[]): Promise<void> {
  for (const name of names)
    await createTopicNamed(testKafka('secure-tenants-setup'), `${t.prefix}${name}`)
}

/** Removes what the tests left on the backend, the hosts entries and the certificates. */
export async function stopTenants(): Promise<void> {
  hosts?.remove()
  // The isolation topics stay until here, for the other tenant and the backend to be checked.
  const admin = testKafka('secure-tenants-cleanup').admin()
  await admin.connect()
  try {
    const topics = (await admin.listTopics()).filter(
      (t) => t.startsWith(tenants.a.prefix) || t.startsWith(tenants.b.prefix)
    )
    if (topics.length > 0) await admin.deleteTopics({ topics })
  } finally {
    await admin.disconnect()
  }
  if (certDir !== '') rmSync(certDir, { recursive: true, force: true })
}

/** Topics and groups each tenant made only for itself: the other must never list them. */
const own: Record<Tag, { topics: Set<string>; groups: Set<string> }> = {
  a: { topics: new Set(), groups: new Set() },
  b: { topics: new Set(), groups: new Set() },
}
/** Each tenant's cluster id, as the client was told it in each run. */
const clusterIds: Record<Tag, Set<string>> = { a: new Set(), b: new Set() }

/**
 * One client's isolation check: on tenant A, then on tenant B (while A's same-named topic and
 * group exist), then a listing on A again (while B's exist). `run` runs the tenant scenario (or
 * only lists, when `list`) with the client on one tenant.
 */
export async function isolation(
  client: string,
  run: (
    t: Tenant,
    names: { topic: string; group: string; tag: string },
    list: boolean
  ) => Promise<TenantResult>
): Promise<void> {
  const topic = `orders-${client}`
  const group = `readers-${client}`
  for (const t of [tenants.a, tenants.b]) {
    const r = await run(t, { topic, group, tag: t.tag }, false)
    own[t.tag].topics.add(`${topic}-${t.tag}`)
    own[t.tag].groups.add(`${group}-${t.tag}`)
    // Its own record only: a shared topic or group would give the other's, or nothing.
    expect(r.read, `what ${client} read on ${t.name}`).toEqual([`from ${t.tag}`])
    expect(r.committed).toEqual({ [`${topic}-0`]: 1 })
    expectOnlyOwn(t, r, topic, group)
  }
  // Tenant A again, now that B has the same names.
  expectOnlyOwn(tenants.a, await run(tenants.a, { topic, group, tag: 'a' }, true), topic, group)

  // On the backend, both live side by side under their prefixes.
  const backend = testKafka('secure-tenants-backend').admin()
  await backend.connect()
  try {
    const topics = await backend.listTopics()
    const groups = (await backend.listGroups()).groups.map((g) => g.groupId)
    for (const t of [tenants.a, tenants.b]) {
      expect(topics).toEqual(
        expect.arrayContaining([`${t.prefix}${topic}`, `${t.prefix}${topic}-${t.tag}`])
      )
      expect(groups).toEqual(
        expect.arrayContaining([`${t.prefix}${group}`, `${t.prefix}${group}-${t.tag}`])
      )
    }
  } finally {
    await backend.disconnect()
  }
  // The client is told the same cluster id for a tenant every time, and each tenant has its own.
  expect(clusterIds.a.size).toBe(1)
  expect(clusterIds.b.size).toBe(1)
  expect([...clusterIds.a][0]).not.toBe([...clusterIds.b][0])
}

function expectOnlyOwn(t: Tenant, r: TenantResult, topic: string, group: string): void {
  clusterIds[t.tag].add(r.clusterId)
  const theirs = own[other(t).tag]
  expect(r.topics).toEqual(expect.arrayContaining([topic, `${topic}-${t.tag}`]))
  expect(r.groups).toEqual(expect.arrayContaining([group, `${group}-${t.tag}`]))
  for (const [kind, names, otherNames] of [
    ['topics', r.topics, theirs.topics],
    ['groups', r.groups, theirs.groups],
  ] as const) {
    expect(
      names.filter((n) => otherNames.has(n)),
      `${t.name} lists the other tenant's ${kind}`
    ).toEqual([])
    // Unprefixed and listed once: the other's same-named ones are not shown beside them.
    expect(new Set(names).size, `${t.name} lists ${kind} twice`).toBe(names.length)
    expect(
      names.filter((n) => n.includes(tenants.a.prefix) || n.includes(tenants.b.prefix))
    ).toEqual([])
  }
}
