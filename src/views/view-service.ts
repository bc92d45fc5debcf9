// The views of every http listener of this node: for each, a table this node builds by reading
// the whole compacted topic from the beginning, and keeps current for as long as it runs. Records
// enter the table as transform policies leave them, as on every read door: a masked value is kept
// masked, and a record the filter drops deletes its key, as a tombstone would (the key's latest
// version is not to be served, and an older one would be stale).
// Readiness waits until every table has read its topic up to where it ended at start.
import { randomUUID } from 'node:crypto'
import type { HttpListenerConfig, VirtualClusterConfig, WeirConfig } from '../config/index.ts'
import type { BackendClusters } from '../kafka/backend-clusters.ts'
import type { ClusterAdmins } from '../kafka/consumer/cluster-admins.ts'
import type { ConsumedRecord } from '../kafka/consumer/types.ts'
import { namespaceOf } from '../namespace/index.ts'
import { TopicReader } from '../kafka/reader/topic-reader.ts'
import type { Logger } from '../observability/logger.ts'
import { readConsumed, transformPolicyOf, type ReadTransforms } from '../policy/transform/index.ts'
import type { RecordDeserializer } from '../stream/record.ts'
import { viewKey } from './view-key.ts'
import { ViewTable, type ViewEntry, type ViewStats } from './view-table.ts'
import type { Principal } from '../core/principal.ts'
import { maskRecord, type RecordEdits } from '../policy/mask/index.ts'
import { consumedEncryptionHeader, storedHeaders } from '../policy/encrypt/index.ts'

export type ViewConfig = HttpListenerConfig['views'][number]

export interface View {
  listener: string
  config: ViewConfig
  /** Where it is served: `config.path`, or `/views/{name}`. */
  path: string
  virtualCluster: VirtualClusterConfig
  backendTopic: string
  table: ViewTable
  /** Whether the table has read the topic up to where it ended when the node started. */
  ready(): boolean
  /** Reads the topic up to its end offsets as they are now (see TopicReader.readThrough). */
  readThrough(ms: number): Promise<boolean>
  /**
   * An entry's value as `principal` may see it: the table keeps values as read, and fetch-side
   * masks apply per principal here, at read time.
   */
  shown(entry: ViewEntry, principal: Principal): Buffer | Promise<Buffer>
  /** Whether a fetch-side mask covers the topic: answers then differ from principal to principal. */
  personal(): boolean
}

interface Running {
  identity: string
  view: View
  reader: TopicReader
}

export interface ViewServiceDeps {
  backends: BackendClusters
  admins: ClusterAdmins
  schemas: RecordDeserializer
  policies: ReadTransforms &
    RecordEdits & {
      masksTopic(
        vc: string,
        topic: string,
        side: 'fetch',
        routePolicies?: readonly string[]
      ): boolean
    }
  logger: Logger
}

export function viewPath(config: ViewConfig): string {
  return config.path ?? `/views/${config.name}`
}

export class ViewService {
  readonly #deps: ViewServiceDeps
  readonly #logger: Logger
  #running = new Map<string, Running>()
  #started = false

  constructor(deps: ViewServiceDeps) {
    this.#deps = deps
    this.#logger = deps.logger.child({ component: 'views' })
  }

  /**
   * Takes a (new) configuration: a view whose topic, bounds and formats did not change keeps its
   * table; others are built again, and views gone stop. Throws before changing anything when a
   * view's topic lies outside its virtual cluster's namespace.
   */
  configure(config: WeirConfig): void {
    const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
    const running = new Map<string, Running>()
    const created: Running[] = []
    for (const listener of config.listeners) {
      if (listener.kind !== 'http') continue
      for (const view of listener.views) {
        const vc = vcs.get(view.virtualCluster)
        if (vc === undefined) throw new Error(`no virtual cluster "${view.virtualCluster}"`)
        const backend = namespaceOf(vc).toBackend('topicName', view.topic)
        if (backend === undefined) {
          throw new Error(
            `view "${view.name}": topic "${view.topic}" is outside virtual cluster "${vc.name}"`
          )
        }
        const { policies: _p, maxWaitMs: _w, catchUpMs: _c, pageSize: _s, ...read } = view
        // A table holds transformed records: another transform needs the topic read again.
        const transform = transformPolicyOf(
          config.policies,
          [...vc.policies, ...view.policies],
          view.topic
        )
        const identity = JSON.stringify([
          vc.backendCluster,
          vc.schemaRegistry,
          backend,
          read,
          transform ?? null,
        ])
        const key = `${listener.name}\u0000${view.name}`
        const previous = this.#running.get(key)
        if (previous?.identity === identity) {
          previous.view.config = view
          previous.view.virtualCluster = vc
          running.set(key, previous)
          continue
        }
        const table = new ViewTable({ maxKeys: view.maxKeys, maxBytes: view.maxBytes })
        const reader = this.#reader(listener.name, view, vc, backend, table)
        const fresh: Running = {
          identity,
          reader,
          view: {
            listener: listener.name,
            config: view,
            path: viewPath(view),
            virtualCluster: vc,
            backendTopic: backend,
            table,
            ready: () => reader.caughtUp,
            readThrough: (ms) => reader.readThrough(ms),
            shown: (entry, principal) => this.#shown(fresh.view, entry, principal),
            personal: () => {
              const { virtualCluster, config } = fresh.view
              const { topic, policies: routePolicies } = config
              return this.#deps.policies.masksTopic(
                virtualCluster.name,
                topic,
                'fetch',
                routePolicies
              )
            },
          },
        }
        running.set(key, fresh)
        created.push(fresh)
      }
    }
    const retired = [...this.#running].filter(([key, r]) => running.get(key) !== r)
    this.#running = running
    for (const [, old] of retired) {
      old.view.table.wakeAll()
      void old.reader.stop()
    }
    if (this.#started) for (const r of created) r.reader.start()
  }

  start(): void {
    this.#started = true
    for (const r of this.#running.values()) r.reader.start()
  }

  /** The views a listener serves. */
  views(listener: string): View[] {
    return [...this.#running.values()]
      .filter((r) => r.view.listener === listener)
      .map((r) => r.view)
  }

  /** The view a listener serves under `name`, as configured now. */
  view(listener: string, name: string): View | undefined {
    return this.#running.get(`${listener}\u0000${name}`)?.view
  }

  /** Views still reading their topic up to where it ended at start. */
  loading(): string[] {
    return [...this.#running.values()]
      .filter((r) => !r.reader.caughtUp)
      .map((r) => `view "${r.view.config.name}" (${r.view.listener})`)
  }

  wakeAll(): void {
    for (const r of this.#running.values()) r.view.table.wakeAll()
  }

  stats(): { view: string; listener: string; ready: boolean; table: ViewStats }[] {
    return [...this.#running.values()].map((r) => ({
      view: r.view.config.name,
      listener: r.view.listener,
      ready: r.reader.caughtUp,
      table: r.view.table.stats(),
    }))
  }

  async stop(): Promise<void> {
    this.wakeAll()
    const readers = [...this.#running.values()].map((r) => r.reader)
    this.#running.clear()
    await Promise.allSettled(readers.map((reader) => reader.stop()))
  }

  #shown(view: View, entry: ViewEntry, principal: Principal): Buffer | Promise<Buffer> {
    const { topic, policies: routePolicies } = view.config
    const vc = view.virtualCluster.name
    const mask = this.#deps.policies.recordEditsFor(vc, topic, principal, 'fetch', routePolicies)
    if (mask === undefined) return entry.value
    const record = {
      topic,
      partition: entry.partition,
      key: null,
      value: entry.value,
      headers: storedHeaders(entry.encryption),
    }
    const shown = () => (record.value as Buffer | null) ?? entry.value
    const pending = maskRecord(mask, record)
    return pending === undefined ? shown() : pending.then(shown)
  }

  #reader(
    listener: string,
    view: ViewConfig,
    vc: VirtualClusterConfig,
    topic: string,
    table: ViewTable
  ): TopicReader {
    const { backends, admins, schemas, policies } = this.#deps
    const cluster = vc.backendCluster
    const logger = this.#logger.child({ view: view.name, listener })
    const apply = (record: ConsumedRecord, key: string | undefined): void => {
      // A record without a key cannot be addressed: a compacted topic should hold none.
      if (key === undefined) return
      const { partition, offset, timestamp } = record
      const transform = policies.readTransform(vc.name, view.topic, view.policies)
      const value =
        transform === undefined ? record.value : readConsumed(transform, record, view.topic)?.value
      const encryption = consumedEncryptionHeader(record.headers)
      table.apply(key, value ?? null, { partition, offset, timestamp, encryption })
    }
    // A view serves every principal of the virtual cluster from one table: it reads as the
    // virtual cluster's `backendIdentity`, never a principal's own (`backendIdentities`).
    return new TopicReader({
      kafka: backends.client(cluster, vc.backendIdentity),
      admins,
      cluster,
      identity: vc.backendIdentity,
      topic,
      start: () => 'earliest',
      groupId: `${vc.namespace?.prefix ?? ''}weir-view-${view.name}-${randomUUID().slice(0, 8)}`,
      logger,
      apply: async (records) => {
        for (const record of records) {
          const key = viewKey(record.key, view.format.key, vc.schemaRegistry, schemas)
          // In order: a key's versions must apply in the order they were written.
          apply(record, key instanceof Promise ? await key : key)
        }
      },
    })
  }
}
