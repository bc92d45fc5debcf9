// Parts of generated messages that code outside protocol/ builds or reads on its own: a request
// header read ahead of its body, and the default shapes of entries a filter answers itself. The
// rest of Weir imports protocol/ only (generated code is an implementation detail of it).
export { readRequestHeader } from './generated/messages/request-header.ts'
export { defaultDescribedGroup } from './generated/messages/consumer-group-describe-response.ts'
export { defaultPartitionData } from './generated/messages/fetch-response.ts'
export { defaultMetadataResponseTopic } from './generated/messages/metadata-response.ts'
export {
  defaultPartitionProduceResponse,
  type PartitionProduceResponse,
} from './generated/messages/produce-response.ts'
