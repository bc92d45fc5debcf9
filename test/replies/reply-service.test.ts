import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/index.ts'
import { BackendClusters } from '../../src/kafka/backend-clusters.ts'
import { ClusterAdmins } from '../../src/kafka/consumer/cluster-admins.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { ReplyService } from '../../src/replies/reply-service.ts'
import { ViewService } from '../../src/views/view-service.ts'

const config = (routes: string, views = '', policies = '') =>
  parseConfig(
    `backendClusters:
  - { name: main, bootstrapServers: 127.0.0.1:1 }
virtualClusters:
  - { name: shop, backendCluster: main, namespace: { prefix: 'acme.' }${policies ? ', policies: [masks]' : ''} }
${policies ? `policies:\n  - { name: masks, kind: transform, ${policies} }\n` : ''}listeners:
  - name: public
    kind: http
    port: 0
    requests: { secret: ${'s'.repeat(32)} }
    routes:
${routes}
    views:
${views || '      []'}
`,
    'test.yaml',
    {}
  )

const route = (path: string, replies: string, timeoutMs = 1000) =>
  `      - { path: ${path}, virtualCluster: shop, topic: requests, reply: { topic: ${replies}, timeoutMs: ${timeoutMs} } }\n`

// Nothing here is started: readers connect only on start(), so no broker is needed.
function services() {
  const logger = createLogger({ level: 'silent', pretty: false })
  const backends = new BackendClusters(config('      []').backendClusters, logger)
  const admins = new ClusterAdmins(backends)
  const schemas = { deserialize: () => Promise.reject(new Error('no registry')) }
  const policies = {
    readTransform: () => undefined,
    recordEditsFor: () => undefined,
    masksTopic: () => false,
  }
  return {
    replies: new ReplyService({ backends, admins, policies, logger }),
    views: new ViewService({ backends, admins, schemas, policies, logger }),
  }
}

describe('reply and view services across reloads', () => {
  it('maps reply topics into the namespace and finds routes by the tag in their ids', async () => {
    const { replies } = services()
    replies.configure(config(route('/orders', 'replies')))
    const listener = replies.listener('public')
    const [orders] = [...(listener?.routes.values() ?? [])]
    expect(orders).toMatchObject({ name: 'POST /orders', backendTopic: 'acme.replies' })
    const id = listener?.correlator.issue(orders?.tag ?? '', {
      virtualCluster: 'shop',
      principal: { name: 'alice', method: 'anonymous' },
    })
    expect(listener?.routes.get(listener.correlator.read(id?.text ?? '')?.route ?? '')).toBe(orders)
    expect(replies.loading()).toEqual(['replies of route "POST /orders" (public)'])
    await replies.stop()
  })

  it('keeps the replies of unchanged routes and starts over for changed ones', async () => {
    const { replies } = services()
    replies.configure(config(route('/orders', 'replies') + route('/refunds', 'refund-replies')))
    const before = [...(replies.listener('public')?.routes.values() ?? [])]
    replies.configure(
      config(route('/orders', 'replies') + route('/refunds', 'refund-replies', 5000))
    )
    const after = [...(replies.listener('public')?.routes.values() ?? [])]
    expect(after[0]?.store).toBe(before[0]?.store)
    expect(after[1]?.store).not.toBe(before[1]?.store)
    expect(after[1]?.settings.timeoutMs).toBe(5000)
    replies.configure(config(route('/orders', 'replies')))
    expect(replies.listener('public')?.routes.size).toBe(1)
    await replies.stop()
  })

  it('keeps a view table when only its policies or waits change', async () => {
    const { views } = services()
    const view = (extra = '') =>
      `      - { name: orders, virtualCluster: shop, topic: state${extra} }\n`
    views.configure(config('      []', view()))
    const table = views.view('public', 'orders')?.table
    expect(views.view('public', 'orders')).toMatchObject({
      path: '/views/orders',
      backendTopic: 'acme.state',
    })
    views.configure(config('      []', view(', maxWaitMs: 5000')))
    expect(views.view('public', 'orders')?.table).toBe(table)
    expect(views.view('public', 'orders')?.config.maxWaitMs).toBe(5000)
    views.configure(config('      []', view(', maxKeys: 10')))
    expect(views.view('public', 'orders')?.table).not.toBe(table)
    await views.stop()
  })

  it('starts a view table and a reply store over when the transform of their topic changes', async () => {
    const { views, replies } = services()
    const view = '      - { name: orders, virtualCluster: shop, topic: state }\n'
    const routes = route('/orders', 'replies')
    const tables = () => views.view('public', 'orders')?.table
    const stores = () => [...(replies.listener('public')?.routes.values() ?? [])][0]?.store
    const masked = (pointer: string) => `topics: [state, replies], fetch: { mask: [${pointer}] }`
    const configure = (policies = '') => {
      views.configure(config(routes, view, policies))
      replies.configure(config(routes, view, policies))
    }
    configure()
    const [table, store] = [tables(), stores()]
    configure(masked('/card'))
    expect([tables() === table, stores() === store]).toEqual([false, false])
    const [maskedTable, maskedStore] = [tables(), stores()]
    configure(masked('/card'))
    expect([tables() === maskedTable, stores() === maskedStore]).toEqual([true, true])
    // A transform of other topics leaves them be.
    configure('topics: [other], fetch: { mask: [/card] }')
    const [otherTable, otherStore] = [tables(), stores()]
    configure('topics: [other], fetch: { mask: [/pin] }')
    expect([tables() === otherTable, stores() === otherStore]).toEqual([true, true])
    await Promise.all([views.stop(), replies.stop()])
  })
})
