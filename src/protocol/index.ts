// The Kafka wire codec: every request and response of the pinned Kafka release (generated from
// Kafka's own message specs), their headers and frames, and record batches.
export { isFlexible, supportsVersion, type ApiDefinition } from './api.ts'
export {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeRequestChunks,
  encodeResponse,
  encodeResponseChunks,
  requestApi,
  type DecodedRequest,
  type DecodedResponse,
} from './codec.ts'
export { CodecError } from './codec-error.ts'
export { DEFAULT_MAX_FRAME_BYTES, frame, FrameSplitter } from './frames.ts'
export * from './generated/index.ts'
export {
  API_VERSIONS_KEY,
  peekCorrelationId,
  peekRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  type RequestHeader,
  type RequestPrefix,
  type ResponseHeader,
} from './headers.ts'
export { Reader } from './reader.ts'
export { deepEqual, ZERO_UUID, type TaggedField } from './values.ts'
export { Writer } from './writer.ts'
