import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { loadConfigFile, parseConfig } from '../../src/config/index.ts'
import { configIssuesOf } from '../support/config.ts'

const base = (listener: string, namespace = '') => `
backendClusters:
  - name: local
    bootstrapServers: 127.0.0.1:9092
virtualClusters:
  - name: shop
    backendCluster: local
${namespace}listeners:
  - name: public
    kind: http
    port: 8080
${listener}`

const issuesOf = configIssuesOf

const secret = 'x'.repeat(32)

describe('request-reply and view config', () => {
  it('fills the defaults of reply routes, the requests endpoint and views', () => {
    const config = parseConfig(
      base(`    requests: { secret: ${secret} }
    routes:
      - path: /orders
        virtualCluster: shop
        topic: orders.requests
        reply: { topic: orders.replies }
    views:
      - name: orders
        virtualCluster: shop
        topic: orders.state
`),
      'test.yaml',
      {}
    )
    const listener = config.listeners[0]
    if (listener?.kind !== 'http') throw new Error('not http')
    expect(listener.requests).toEqual({
      path: '/requests',
      secret,
      maxWaitMs: 30_000,
      catchUpMs: 5000,
      heartbeatMs: 15_000,
    })
    expect(listener.routes[0]?.reply).toEqual({
      topic: 'orders.replies',
      timeoutMs: 10_000,
      retentionMs: 600_000,
      maxEntries: 10_000,
      maxBytes: 64 * 1024 * 1024,
    })
    expect(listener.views[0]).toMatchObject({
      maxKeys: 100_000,
      format: { key: 'auto', value: 'auto' },
      pageSize: 100,
      catchUpMs: 5000,
    })
  })

  it('says what a reply route is missing, and refuses a short secret', () => {
    const routes = `    routes:
      - path: /orders
        virtualCluster: shop
        topic: orders.requests
        reply: { topic: orders.replies }
`
    expect(issuesOf(base(routes))).toContainEqual(
      expect.objectContaining({
        path: 'listeners[0].routes[0].reply',
        message: expect.stringContaining('needs the listener `requests` block'),
      })
    )
    expect(issuesOf(base(`    requests: { secret: short }\n${routes}`))).toContainEqual(
      expect.objectContaining({
        path: 'listeners[0].requests.secret',
        expected: expect.stringContaining('at least 32 characters'),
      })
    )
  })

  it('refuses duplicate views, unknown virtual clusters and topics outside the namespace', () => {
    expect(
      issuesOf(
        base(`    views:
      - { name: a, virtualCluster: shop, topic: a }
      - { name: a, virtualCluster: shop, topic: b }
`)
      )
    ).toEqual([expect.objectContaining({ path: 'listeners[0].views[1].name' })])
    const issues = issuesOf(
      base(
        `    views:
      - { name: a, virtualCluster: shop, topic: other.state }
      - { name: b, virtualCluster: nope, topic: x }
    requests: { secret: ${secret} }
    routes:
      - path: /orders
        virtualCluster: shop
        topic: shop.requests
        reply: { topic: replies }
`,
        `    namespace: { prefix: shop., hidePrefix: false }\n`
      )
    )
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'listeners[0].routes[0].reply.topic: topic "replies" is outside the namespace of virtual cluster "shop"',
      'listeners[0].views[0].topic: topic "other.state" is outside the namespace of virtual cluster "shop"',
      'listeners[0].views[1].virtualCluster: no virtual cluster named "nope" (known: "shop")',
    ])
  })

  it('takes exposed view and reply topics, and refuses internal ones, as the namespace does', () => {
    const issues = issuesOf(
      base(
        `    views:
      - { name: a, virtualCluster: shop, topic: ref-data }
      - { name: b, virtualCluster: shop, topic: __consumer_offsets }
    requests: { secret: ${secret} }
    routes:
      - path: /orders
        virtualCluster: shop
        topic: requests
        reply: { topic: shared-replies }
`,
        `    namespace: { prefix: shop., expose: { topics: [ref-data, shared-*] } }\n`
      )
    )
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'listeners[0].views[1].topic: topic "__consumer_offsets" is outside the namespace of virtual cluster "shop"',
    ])
  })

  it('accepts the request-reply example', async () => {
    const config = await loadConfigFile(path.resolve('examples/request-reply/gateway.yaml'), {})
    const listener = config.listeners[0]
    if (listener?.kind !== 'http') throw new Error('not http')
    expect(listener.routes[0]?.reply?.topic).toBe('orders.replies')
    expect(listener.views.map((v) => v.topic)).toEqual(['orders.state'])
  })
})
