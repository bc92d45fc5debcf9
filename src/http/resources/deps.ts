// What the doors of the Kafka-backed resources (request-reply routes, reply fetch and push,
// views) need from the node: the request lifecycle (which authenticates), the one policy engine
// for authorization, the produce service, schemas to decode values, and the services that hold
// replies and views.
import { fromDecision, GatewayError } from '../../core/errors.ts'
import type { Decision } from '../../core/decision.ts'
import type { PolicyRequest } from '../../core/policy-request.ts'
import type { HttpLifecycle } from '../lifecycle.ts'
import type { IdempotencyCache } from '../../produce/idempotency.ts'
import type { Logger } from '../../observability/logger.ts'
import type { ConnectionAdmission, ConnectionRequest } from '../../policy/index.ts'
import type { ProduceService } from '../../produce/produce-service.ts'
import type { ListenerReplies, ReplyService } from '../../replies/reply-service.ts'
import type { RecordDeserializer } from '../../stream/record.ts'
import type { ViewService } from '../../views/view-service.ts'
import type { ReadTransforms } from '../../policy/transform/index.ts'

/** The policy engine, as these doors use it (read transforms: before a view or reply serves). */
export interface ResourcePolicies extends ReadTransforms {
  /** ACLs and rate limits (shared ones fetched from the state store first). */
  prepareAndAuthorize(request: PolicyRequest, routePolicies?: readonly string[]): Promise<Decision>
  /** A slot for a push connection (connection limits); the lease goes back on close. */
  admit(
    connection: ConnectionRequest,
    routePolicies?: readonly string[]
  ): Promise<ConnectionAdmission>
}

export interface ResourceDoorDeps {
  /** Admit, observe, authenticate, answer errors (lifecycle.ts). */
  lifecycle: HttpLifecycle
  policies: ResourcePolicies
  produce: ProduceService
  idempotency: IdempotencyCache
  schemas: RecordDeserializer
  replies: ReplyService
  views: ViewService
  /** False once the node is shutting down. */
  accepting(): boolean
  /** Push connections register how to end them when the node shuts down. */
  onShutdown(end: () => void): () => void
  logger: Logger
}

/** Throws the refusal when `decision` denies. */
export function allowOrThrow(decision: Decision): void {
  if (decision.verdict === 'deny') throw fromDecision(decision)
}

/** The replies of a listener that takes requests; 404 for one that takes none. */
export function listenerReplies(deps: ResourceDoorDeps, listener: string): ListenerReplies {
  const replies = deps.replies.listener(listener)
  if (replies === undefined) throw new GatewayError('not-found', 'this listener takes no requests')
  return replies
}
