// The request-reply routes of every http listener of this node: for each, the reply store this
// node fills by reading the route's reply topic (every node reads all of it, so a reply can be
// fetched from any node), and the correlator that issues and checks the listener's request ids.
// Each node reads the reply topic back `retentionMs` at start, so a restarted node, or one that
// joins later, knows every reply still readable. Replies are stored as transform policies leave
// them, as on every read door: one the filter drops is never served (its request stays pending),
// masked fields stay masked, removed headers are not response headers.
import { randomUUID } from 'node:crypto'
import type {
  HttpListenerConfig,
  ProduceRouteConfig,
  VirtualClusterConfig,
  WeirConfig,
} from '../config/index.ts'
import type { BackendClusters } from '../kafka/backend-clusters.ts'
import type { ClusterAdmins } from '../kafka/consumer/cluster-admins.ts'
import { namespaceOf } from '../namespace/index.ts'
import { TopicReader } from '../kafka/reader/topic-reader.ts'
import type { Logger } from '../observability/logger.ts'
import { readConsumed, transformPolicyOf, type ReadTransforms } from '../policy/transform/index.ts'
import { Correlator, routeTag } from './correlation.ts'
import { CORRELATION_HEADER, headerText, REPLY_TO_HEADER, replyFromRecord } from './reply-record.ts'
import { ReplyStore, type ReplyStoreStats, type StoredReply } from './reply-store.ts'
import type { Principal } from '../core/principal.ts'
import { maskRecord, type RecordEdits } from '../policy/mask/index.ts'
import { storedHeaders } from '../policy/encrypt/index.ts'

export type ReplyConfig = NonNullable<ProduceRouteConfig['reply']>
export type RequestsConfig = NonNullable<HttpListenerConfig['requests']>

export interface ReplyRoute {
  listener: string
  /** The route's tag in request ids. */
  tag: string
  /** The route's name (its policies and logs use it). */
  name: string
  virtualCluster: VirtualClusterConfig
  /** The reply topic as the virtual cluster names it, and as the backend does. */
  topic: string
  backendTopic: string
  settings: ReplyConfig
  policies: readonly string[]
  store: ReplyStore
  /** Reads the reply topic up to its end offsets as they are now (see TopicReader.readThrough). */
  readThrough(ms: number): Promise<boolean>
  /**
   * A reply as `principal` may see it: the store keeps replies as read, and fetch-side masks
   * apply per principal here, at read time.
   */
  shown(reply: StoredReply, principal: Principal): Promise<StoredReply>
}

export interface ListenerReplies {
  requests: RequestsConfig
  correlator: Correlator
  /** By route tag. */
  routes: ReadonlyMap<string, ReplyRoute>
}

interface Running {
  identity: string
  route: ReplyRoute
  reader: TopicReader
}

export interface ReplyServiceDeps {
  backends: BackendClusters
  admins: ClusterAdmins
  policies: ReadTransforms & RecordEdits
  logger: Logger
}

/** The name a route has on its produce endpoint (and in ids, logs and policy requests). */
export function routeName(route: ProduceRouteConfig): string {
  return route.name ?? `${route.method} ${route.path}`
}

export class ReplyService {
  readonly #deps: ReplyServiceDeps
  readonly #logger: Logger
  #listeners = new Map<string, ListenerReplies>()
  #running = new Map<string, Running>()
  #started = false

  constructor(deps: ReplyServiceDeps) {
    this.#deps = deps
    this.#logger = deps.logger.child({ component: 'replies' })
  }

  /**
   * Takes a (new) configuration: routes whose reply topic and settings did not change keep their
   * store and reader, others get new ones, and those gone stop. Throws before changing anything
   * when a reply topic lies outside its virtual cluster's namespace.
   */
  configure(config: WeirConfig): void {
    const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
    const listeners = new Map<string, ListenerReplies>()
    const running = new Map<string, Running>()
    const created: Running[] = []
    for (const listener of config.listeners) {
      if (listener.kind !== 'http' || listener.requests === undefined) continue
      const routes = new Map<string, ReplyRoute>()
      for (const route of listener.routes) {
        if (route.reply === undefined) continue
        const vc = vcs.get(route.virtualCluster)
        if (vc === undefined) throw new Error(`no virtual cluster "${route.virtualCluster}"`)
        const name = routeName(route)
        const backend = namespaceOf(vc).toBackend('topicName', route.reply.topic)
        if (backend === undefined) {
          throw new Error(
            `route "${name}": reply topic "${route.reply.topic}" is outside virtual cluster "${vc.name}"`
          )
        }
        const tag = routeTag(listener.name, vc.name, name)
        // A store holds transformed replies: another transform needs the topic read again.
        const transform = transformPolicyOf(
          config.policies,
          [...vc.policies, ...route.policies],
          route.reply.topic
        )
        const identity = JSON.stringify([
          vc.backendCluster,
          backend,
          route.reply,
          transform ?? null,
        ])
        const key = `${listener.name}\u0000${tag}`
        const previous = this.#running.get(key)
        const store =
          previous?.identity === identity
            ? previous.route.store
            : new ReplyStore({
                maxEntries: route.reply.maxEntries,
                maxBytes: route.reply.maxBytes,
              })
        const replyRoute: ReplyRoute = {
          listener: listener.name,
          tag,
          name,
          virtualCluster: vc,
          topic: route.reply.topic,
          backendTopic: backend,
          settings: route.reply,
          policies: route.policies,
          store,
          readThrough: (ms) =>
            this.#running.get(key)?.reader.readThrough(ms) ?? Promise.resolve(false),
          shown: (reply, principal) => this.#shown(replyRoute, reply, principal),
        }
        routes.set(tag, replyRoute)
        if (previous?.identity === identity) {
          previous.route = replyRoute
          running.set(key, previous)
        } else {
          const fresh = { identity, route: replyRoute, reader: this.#reader(replyRoute) }
          running.set(key, fresh)
          created.push(fresh)
        }
      }
      listeners.set(listener.name, {
        requests: listener.requests,
        correlator: new Correlator(listener.requests.secret),
        routes,
      })
    }
    const retired = [...this.#running].filter(([key, r]) => running.get(key) !== r)
    this.#listeners = listeners
    this.#running = running
    for (const [, old] of retired) {
      old.route.store.wakeAll()
      void old.reader.stop()
    }
    if (this.#started) for (const r of created) r.reader.start()
  }

  /** Starts reading every reply topic (in the background: readiness tells when they caught up). */
  start(): void {
    this.#started = true
    for (const r of this.#running.values()) r.reader.start()
  }

  listener(name: string): ListenerReplies | undefined {
    return this.#listeners.get(name)
  }

  /** Routes whose reply topic is still being read back to where it ended at start. */
  loading(): string[] {
    return [...this.#running.values()]
      .filter((r) => !r.reader.caughtUp)
      .map((r) => `replies of route "${r.route.name}" (${r.route.listener})`)
  }

  /** Answers every waiting request now (the node is shutting down). */
  wakeAll(): void {
    for (const r of this.#running.values()) r.route.store.wakeAll()
  }

  stats(): { route: string; listener: string; caughtUp: boolean; store: ReplyStoreStats }[] {
    return [...this.#running.values()].map((r) => ({
      route: r.route.name,
      listener: r.route.listener,
      caughtUp: r.reader.caughtUp,
      store: r.route.store.stats(),
    }))
  }

  async stop(): Promise<void> {
    this.wakeAll()
    const readers = [...this.#running.values()].map((r) => r.reader)
    this.#running.clear()
    this.#listeners.clear()
    await Promise.allSettled(readers.map((reader) => reader.stop()))
  }

  async #shown(route: ReplyRoute, reply: StoredReply, principal: Principal): Promise<StoredReply> {
    const { virtualCluster, topic, policies } = route
    const mask = this.#deps.policies.recordEditsFor(
      virtualCluster.name,
      topic,
      principal,
      'fetch',
      policies
    )
    if (mask === undefined || reply.body === null) return reply
    const record = { topic, key: null, value: reply.body, headers: storedHeaders(reply.encryption) }
    await maskRecord(mask, record)
    return record.value === reply.body ? reply : { ...reply, body: record.value }
  }

  #reader(route: ReplyRoute): TopicReader {
    const { backends, admins } = this.#deps
    const cluster = route.virtualCluster.backendCluster
    const prefix = route.virtualCluster.namespace?.prefix ?? ''
    const logger = this.#logger.child({ route: route.name, listener: route.listener })
    // One store answers every principal of the route: it reads as the virtual cluster's
    // `backendIdentity`, never a principal's own (`backendIdentities`).
    const identity = route.virtualCluster.backendIdentity
    return new TopicReader({
      kafka: backends.client(cluster, identity),
      admins,
      cluster,
      identity,
      topic: route.backendTopic,
      start: () => ({ timestamp: Date.now() - route.settings.retentionMs }),
      groupId: `${prefix}weir-replies-${groupIdPart(route.name)}-${randomUUID().slice(0, 8)}`,
      logger,
      apply: (records) => {
        // The listener's correlator as configured now: a reload may have changed the secret.
        const correlator = this.#listeners.get(route.listener)?.correlator
        const current = this.#running.get(`${route.listener}\u0000${route.tag}`)?.route ?? route
        for (const record of records) {
          // A request record (it names where its reply goes) is never a reply, not even its own
          // when requests and replies share a topic.
          if (record.headers[REPLY_TO_HEADER] !== undefined) continue
          const text = headerText(record.headers[CORRELATION_HEADER])
          const id = text === undefined ? undefined : correlator?.read(text)
          // Ids another gateway (or another route) issued, and garbage, take no room here.
          if (id === undefined || id.route !== route.tag) continue
          const transform = this.#deps.policies.readTransform(
            current.virtualCluster.name,
            current.topic,
            current.policies
          )
          const edited =
            transform === undefined ? record : readConsumed(transform, record, current.topic)
          if (edited === null) continue
          const reply = replyFromRecord(edited, id.createdAt + current.settings.retentionMs)
          if (reply !== undefined) current.store.put(reply)
        }
      },
    })
  }
}

function groupIdPart(text: string): string {
  return (text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'route').slice(0, 80)
}
