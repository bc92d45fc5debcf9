// The protocol-neutral request the policy engine decides on. Doors translate into it; nothing in
// it says HTTP or Kafka beyond the door's name.
import type { Principal } from './principal.ts'

export type Door = 'http' | 'websocket' | 'sse' | 'long-poll' | 'kafka'
/** `manage`: create, delete and reconfigure (Kafka's CREATE, DELETE, ALTER and *_CONFIGS). */
export type Operation = 'produce' | 'consume' | 'describe' | 'manage' | 'decrypt'
/** `transactional-id`: a Kafka producer's transactional id (the Kafka door's transactions). */
export type ResourceType = 'topic' | 'group' | 'transactional-id'

/** One resource a request touches, and what it does there (the request's operation unless set). */
export interface ResourceAccess {
  type: ResourceType
  name: string
  operation?: Operation
}

/**
 * One whole request: every resource it touches is decided together (one denial refuses it all)
 * and its rate limits are charged once, whatever the number of resources.
 */
export interface PolicyRequest {
  door: Door
  operation: Operation
  virtualCluster: string
  /** The route or stream that took the request, when the door has them. */
  route?: string
  resources: readonly ResourceAccess[]
  principal: Principal
  /** The client's address (after any PROXY protocol header), checked by ip filters. */
  client?: string
  /** Records in this request (a batch counts each), and their payload bytes. */
  records: number
  bytes: number
}
