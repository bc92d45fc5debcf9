// The protocol-neutral request the policy engine decides on. Doors translate into it; nothing in
// it says HTTP or Kafka beyond the door's name.
import type { Principal } from './principal.ts'

export type Door = 'http' | 'websocket' | 'sse' | 'long-poll' | 'kafka'
/** `manage`: create, delete and reconfigure (Kafka's CREATE, DELETE, ALTER and *_CONFIGS). */
export type Operation = 'produce' | 'consume' | 'describe' | 'manage'
/** `transactional-id`: a Kafka producer's transactional id (the Kafka door's transactions). */
export type ResourceType = 'topic' | 'group' | 'transactional-id'

export interface PolicyRequest {
  door: Door
  operation: Operation
  virtualCluster: string
  /** The route or stream that took the request, when the door has them. */
  route?: string
  resource: { type: ResourceType; name: string }
  principal: Principal
  /** Records in this request (a batch counts each), and their payload bytes. */
  records: number
  bytes: number
}
