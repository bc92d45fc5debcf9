// What the HTTP doors of one listener take from the node's services: produce, streams, and the
// Kafka-backed resources (request-reply, views), each adapted to HTTP's way of carrying
// credentials. Built from the services (a structural view of them), not from the runtime, so
// the door depends on what it uses and nothing points outward.
import type { Credentials, Principal } from '../core/principal.ts'
import type { Observability } from '../observability/observability.ts'
import type { PolicyEngine } from '../policy/index.ts'
import type { IdempotencyCache } from '../produce/idempotency.ts'
import type { ProduceService } from '../produce/produce-service.ts'
import type { ReplyService } from '../replies/reply-service.ts'
import type { RecordDeserializer } from '../stream/record.ts'
import type { StreamService } from '../stream/stream-service.ts'
import type { ViewService } from '../views/view-service.ts'
import type { Logger } from '../observability/logger.ts'
import { HttpLifecycle } from './lifecycle.ts'
import type { ProduceDoorDeps } from './produce/handler.ts'
import type { ResourceDoorDeps } from './resources/deps.ts'
import type { StreamDoorDeps } from './streams/admission.ts'

/** The node's services as the HTTP doors see them. */
export interface HttpServices {
  policies: PolicyEngine
  authenticate(virtualCluster: string, credentials: Credentials): Principal | Promise<Principal>
  produce: ProduceService
  idempotency: IdempotencyCache
  accepting(): boolean
  observability: Observability
  streamService: StreamService
  schemas: RecordDeserializer
  resources: {
    replies: ReplyService
    views: ViewService
    onStopAccepting(end: () => void): () => void
  }
}

export interface HttpDoorDeps {
  /** The request lifecycle every door of the listener runs (lifecycle.ts). */
  lifecycle: HttpLifecycle
  produce: ProduceDoorDeps
  streams: StreamDoorDeps
  resources: ResourceDoorDeps
}

export function httpDoorDeps(services: HttpServices, logger: Logger): HttpDoorDeps {
  const { policies, produce, idempotency, accepting, observability } = services
  const lifecycle = new HttpLifecycle({
    authenticate: services.authenticate,
    apiKeyHeaders: (vc) => policies.apiKeyHeaders(vc),
    accepting,
    observability,
    logger,
  })
  return {
    lifecycle,
    produce: { lifecycle, produce, idempotency },
    streams: {
      service: services.streamService,
      lifecycle,
      observability,
    },
    resources: {
      lifecycle,
      policies,
      produce,
      idempotency,
      schemas: services.schemas,
      replies: services.resources.replies,
      views: services.resources.views,
      accepting,
      onShutdown: services.resources.onStopAccepting,
      logger,
    },
  }
}
