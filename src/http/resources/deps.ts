// What the doors of the Kafka-backed resources (request-reply routes, reply fetch and push,
// views) need from the node: the one policy engine for authentication and authorization, the
// produce service, schemas to decode values, and the services that hold replies and views.
import { fromDecision } from '../../core/errors.ts'
import type { Decision } from '../../core/decision.ts'
import type { PolicyRequest } from '../../core/policy-request.ts'
import type { Credentials, Principal } from '../../core/principal.ts'
import { httpCredentials } from '../credentials.ts'
import type { HttpClient } from '../exchange.ts'
import type { IdempotencyCache } from '../../produce/idempotency.ts'
import type { Logger } from '../../observability/logger.ts'
import type { AuthResult, ConnectionAdmission, ConnectionRequest } from '../../policy/index.ts'
import type { ProduceService } from '../../produce/produce-service.ts'
import type { ReplyService } from '../../replies/reply-service.ts'
import type { RecordDeserializer } from '../../stream/record.ts'
import type { ViewService } from '../../views/view-service.ts'
import type { ReadTransforms } from '../../policy/transform/index.ts'

/** The policy engine, as these doors use it (read transforms: before a view or reply serves). */
export interface ResourcePolicies extends ReadTransforms {
  authenticate(virtualCluster: string, credentials: Credentials): Promise<AuthResult>
  apiKeyHeaders(virtualCluster: string): readonly string[]
  /** ACLs and rate limits. */
  authorize(request: PolicyRequest, routePolicies?: readonly string[]): Decision
  /** A slot for a push connection (connection limits); the lease goes back on close. */
  admit(connection: ConnectionRequest, routePolicies?: readonly string[]): ConnectionAdmission
}

export interface ResourceDoorDeps {
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

/**
 * Who is asking, from the request's headers, or (`query`: push connections, which browsers open
 * without headers) `?access_token=` and `?api_key=`. Throws the refusal.
 */
export async function authenticate(
  policies: ResourcePolicies,
  virtualCluster: string,
  client: HttpClient,
  query?: URLSearchParams
): Promise<Principal> {
  const credentials: Credentials = {}
  const token = query?.get('access_token')
  if (token) credentials.bearerToken = token
  const key = query?.get('api_key')
  if (key) credentials.apiKey = key
  Object.assign(credentials, httpCredentials(client, policies.apiKeyHeaders(virtualCluster)))
  const result = await policies.authenticate(virtualCluster, credentials)
  if ('decision' in result) throw fromDecision(result.decision)
  return result.principal
}

/** Throws the refusal when `decision` denies. */
export function allowOrThrow(decision: Decision): void {
  if (decision.verdict === 'deny') throw fromDecision(decision)
}
