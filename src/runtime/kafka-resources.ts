// The Kafka-backed resources of a node: request-reply stores and views of compacted topics,
// read from their topics from start to stop. Protocol-neutral: the HTTP door mounts their routes
// per listener (src/http/resources/); what it keeps open on them (reply push connections, long
// polls) registers here to be ended when the node stops taking work.
import type { WeirConfig } from '../config/index.ts'
import type { BackendClusters } from '../kafka/backend-clusters.ts'
import { ClusterAdmins } from '../kafka/consumer/cluster-admins.ts'
import type { Logger } from '../observability/logger.ts'
import { ReplyService, type ReplyServiceDeps } from '../replies/reply-service.ts'
import type { RecordDeserializer } from '../stream/record.ts'
import { ViewService, type ViewServiceDeps } from '../views/view-service.ts'

export interface KafkaResources {
  replies: ReplyService
  views: ViewService
  /** What readiness waits for: views and reply stores still reading their topics. */
  loading(): string[]
  /** Takes a reloaded config (same backend clusters and registries). Throws on a bad topic. */
  update(config: WeirConfig): void
  /** Registers how to end an open connection once the node stops taking work. */
  onStopAccepting(end: () => void): () => void
  /** Answers long polls now and ends push connections (shutdown has begun). */
  stopAccepting(): void
  stats(): { replies: ReturnType<ReplyService['stats']>; views: ReturnType<ViewService['stats']> }
  stop(): Promise<void>
}

export function startKafkaResources(
  config: WeirConfig,
  deps: {
    backends: BackendClusters
    schemas: RecordDeserializer
    /** Transform policies: replies and views are stored as they leave them. */
    policies: ReplyServiceDeps['policies'] & ViewServiceDeps['policies']
    logger: Logger
  }
): KafkaResources {
  const { backends, schemas, policies, logger } = deps
  const admins = new ClusterAdmins(backends)
  const replies = new ReplyService({ backends, admins, policies, logger })
  const views = new ViewService({ backends, admins, schemas, policies, logger })
  replies.configure(config)
  views.configure(config)
  replies.start()
  views.start()
  const ends = new Set<() => void>()
  const stopAccepting = () => {
    replies.wakeAll()
    views.wakeAll()
    for (const end of [...ends]) end()
    ends.clear()
  }
  return {
    replies,
    views,
    loading: () => [...views.loading(), ...replies.loading()],
    update(next) {
      replies.configure(next)
      views.configure(next)
    },
    onStopAccepting(end) {
      ends.add(end)
      return () => ends.delete(end)
    },
    stopAccepting,
    stats: () => ({ replies: replies.stats(), views: views.stats() }),
    async stop() {
      stopAccepting()
      await Promise.allSettled([replies.stop(), views.stop()])
      await admins.close()
    },
  }
}
