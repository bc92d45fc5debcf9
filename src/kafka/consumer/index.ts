// The consumer hub: how the WebSocket, SSE and long-poll doors read Kafka.
export { ConsumerHub } from './consumer-hub.ts'
export { defaultHubSettings, hubSettings } from './hub-settings.ts'
export { streamConsumerSpec, type StreamSpecInput } from './spec.ts'
export type {
  ClosedReason,
  ConsumedRecord,
  ConsumerKind,
  ConsumerSpec,
  ConsumerStats,
  DedicatedSpec,
  DeliverResult,
  GroupSpec,
  HubSettings,
  HubStats,
  PartitionPosition,
  SharedSpec,
  StartPosition,
  Subscriber,
  Subscription,
} from './types.ts'
