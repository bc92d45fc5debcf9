// A produce request in protocol-neutral terms: events as a door parsed them, before schemas and
// namespaces turn them into backend records.
import type { Payload } from '../core/payload.ts'
import type { Principal } from '../core/principal.ts'
import type { Acks, Compression } from '../kafka/producer/record.ts'
import type { Door, ResourceAccess } from '../core/policy-request.ts'

export type { Payload }

export interface ProduceEvent {
  key: Payload
  value: Payload
  headers: Record<string, Buffer>
  partition?: number
  timestamp?: number
}

export interface DeliveryOptions {
  mode: 'sync' | 'async'
  acks: Acks
  ackTimeoutMs: number
  compression: Compression
  /** All the request's records or none, through a Kafka transaction (sync only). */
  atomic?: boolean
}

export interface ProduceCommand {
  door: Door
  virtualCluster: string
  /** Topic as the client named it (namespaces apply later). */
  topic: string
  route?: string
  routePolicies: readonly string[]
  principal: Principal
  /**
   * Other resources the request touches (a request-reply route reads its reply topic): decided
   * with the produce in one authorization, charged once.
   */
  alsoAccess?: readonly ResourceAccess[]
  events: readonly ProduceEvent[]
  /** Payload size as received, for byte rate limits. */
  bytes: number
  delivery: DeliveryOptions
}
