// The protocol-neutral stream core the WebSocket, SSE and long-poll doors share: how a consumed
// record is rendered, filtered, queued per subscriber and resumed. Nothing here knows a socket.
export {
  decodeHeaders,
  formatRecord,
  type Encoding,
  type FormatMode,
  type FormatOptions,
  type KafkaHeaders,
  type KafkaMessage,
  type RecordDeserializer,
  type StreamRecord,
} from './record.ts'
export { serializeRecord, sharedEncoding, type SerializedRecord } from './record-json.ts'
export {
  advance,
  decodeCursor,
  DEFAULT_CURSOR_LIMITS,
  emptyCursor,
  encodeCursor,
  nextOffset,
  resumeFrom,
  withPosition,
  type Cursor,
  type CursorLimits,
  type ResumePosition,
  type StreamStart,
} from './cursor.ts'
export { SubscriberBuffer, type BufferLimits, type PushResult } from './buffer.ts'
export {
  DeliveryQueue,
  isGap,
  type Delivery,
  type DeliveryQueueOptions,
  type GapNotice,
  type GapRange,
  type OfferResult,
  type OverflowPolicy,
} from './delivery-queue.ts'
