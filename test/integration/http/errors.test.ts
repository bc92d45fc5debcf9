// Every refusal of the HTTP produce door, produced for real: status, problem+json, headers.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { beforeAll, describe, expect, it } from 'vitest'
import { NOBODY } from '../../support/ports.ts'
import { hashApiKey, hashPassword } from '../../../src/policy/index.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack } from '../../support/kafka.ts'

const alice = { 'x-api-key': 'key-alice' }
const json = { 'content-type': 'application/json' }

async function problemOf(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = (await res.json()) as Record<string, unknown>
  expect(body.status).toBe(res.status)
  expect(typeof body.detail).toBe('string')
  return body
}

describe('HTTP produce errors', () => {
  let url = ''
  let ordersTopic = ''

  beforeAll(async () => {
    ordersTopic = await createTopic('orders')
    const rawTopic = await createTopic('raw')
    await new SchemaRegistry({ host: stack().registryUrl }).register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'Order',
          namespace: 'shop',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'amount', type: 'double' },
          ],
        }),
      },
      { subject: `${ordersTopic}-value` }
    )
    const started = await startTestGateway(
      `virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
      - kind: basic
        users:
          - { username: bob, passwordHash: '${await hashPassword('bob-pw')}' }
    policies: [acl, schemas]
  # Its producer waits 500 ms to fill a batch: no acknowledgement can beat a 1 ms timeout.
  - name: lingering
    backendCluster: slow
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
policies:
  - name: acl
    kind: acl
    rules:
      - { principals: [alice], names: ['orders-*', 'raw-*'], operations: [produce] }
  - name: schemas
    kind: schema
    topics: ['orders-*']
    value: { format: avro }
  - name: slowly
    kind: rate-limit
    per: principal
    requestsPerSecond: 1
    burstSeconds: 2
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /orders, topic: ${ordersTopic}, virtualCluster: vc }
      - { path: /raw, topic: ${rawTopic}, virtualCluster: vc, maxBodyBytes: 100 }
      - { path: /limited, topic: ${rawTopic}, virtualCluster: vc, policies: [slowly] }
      - { path: /impatient, topic: ${rawTopic}, virtualCluster: lingering, delivery: { ackTimeoutMs: 1 } }
      - { path: /later, topic: raw-missing, virtualCluster: vc, delivery: { mode: async } }
`,
      {},
      `  - name: slow
    bootstrapServers: ${stack().bootstrap}
    producer: { lingerMs: 500 }
`
    )
    url = started.url
  })

  it('202 for a valid request, as the baseline', async () => {
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, ...alice },
      body: '{"id":"o1","amount":1}',
    })
    expect(res.status).toBe(202)
  })

  it('401 without credentials, with a challenge', async () => {
    const res = await fetch(`${url}/orders`, { method: 'POST', headers: json, body: '{}' })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/ApiKey realm="weir"/)
    expect((await problemOf(res)).detail).toMatch(/credentials required/)
  })

  it('401 with a wrong API key or password', async () => {
    const key = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, 'x-api-key': 'nope' },
      body: '{}',
    })
    expect(key.status).toBe(401)
    const basic = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, authorization: `Basic ${Buffer.from('bob:wrong').toString('base64')}` },
      body: '{}',
    })
    expect(basic.status).toBe(401)
    await problemOf(basic)
  })

  it('403 for an authenticated principal the ACL does not allow', async () => {
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, authorization: `Basic ${Buffer.from('bob:bob-pw').toString('base64')}` },
      body: '{"id":"o1","amount":1}',
    })
    expect(res.status).toBe(403)
    expect((await problemOf(res)).detail).toMatch(/bob/)
  })

  it('404 for an unknown path, 405 with Allow for a wrong method', async () => {
    expect((await fetch(`${url}/nowhere`, { method: 'POST' })).status).toBe(404)
    const res = await fetch(`${url}/orders`, { method: 'GET', headers: alice })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
    await problemOf(res)
  })

  it('400 for malformed JSON, saying so', async () => {
    const res = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: { ...json, ...alice },
      body: '{"a":',
    })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).detail).toMatch(/not valid JSON/)
  })

  it('413 above the route body limit', async () => {
    const res = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: { ...json, ...alice },
      body: JSON.stringify({ pad: 'x'.repeat(200) }),
    })
    expect(res.status).toBe(413)
    await problemOf(res)
  })

  it('415 for a body that is not JSON where a schema applies', async () => {
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...alice },
      body: 'hello',
    })
    expect(res.status).toBe(415)
    await problemOf(res)
  })

  it('422 listing every schema violation with its path; nothing produced', async () => {
    const res = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, ...alice },
      body: '[{"id":"ok","amount":2},{"id":7,"amount":"x"}]',
    })
    expect(res.status).toBe(422)
    const problem = await problemOf(res)
    expect(problem.violations).toEqual([
      expect.objectContaining({ record: 1, part: 'value', path: '/id' }),
      expect.objectContaining({ record: 1, part: 'value', path: '/amount' }),
    ])
  })

  it('429 with Retry-After and RateLimit headers once the bucket is empty', async () => {
    const send = () =>
      fetch(`${url}/limited`, { method: 'POST', headers: { ...json, ...alice }, body: '{}' })
    expect((await send()).status).toBe(202)
    expect((await send()).status).toBe(202)
    const res = await send()
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(res.headers.get('ratelimit-policy')).toMatch(/"slowly";q=2;w=/)
    await problemOf(res)
  })

  it('404 before accepting async records for a topic that does not exist', async () => {
    const res = await fetch(`${url}/later`, {
      method: 'POST',
      headers: { ...json, ...alice },
      body: '{}',
    })
    expect(res.status).toBe(404)
    expect((await problemOf(res)).detail).toBe('topic "raw-missing" does not exist')
  })

  it('504 when the brokers do not acknowledge in time', async () => {
    const res = await fetch(`${url}/impatient`, {
      method: 'POST',
      headers: { ...json, ...alice },
      body: '{}',
    })
    expect(res.status).toBe(504)
    expect((await problemOf(res)).detail).toMatch(/may or may not have been written/)
  })

  it('503 with Retry-After when the backend cluster cannot be reached', async () => {
    const res = await startTestGateway(
      `virtualClusters:
  - name: vc
    backendCluster: down
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /events, topic: anything, virtualCluster: vc }
`,
      {},
      `  - name: down
    bootstrapServers: ${NOBODY}
    connectionTimeoutMs: 300
    producer: { retries: 1, retryBackoffMs: 50 }
`
    ).then(({ url: down }) =>
      fetch(`${down}/events`, { method: 'POST', headers: json, body: '{}' })
    )
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect((await problemOf(res)).detail).toMatch(/backend cluster "down" is unavailable/)
  })
})
