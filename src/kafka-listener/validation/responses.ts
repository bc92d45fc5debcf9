// Refused partitions in the shape of a Produce response, as Kafka's broker answers records its
// validation rejects (KIP-467): the error code, a message summing up, and each bad record's index
// in `recordErrors` (clients fail those records with their own message).
import type { ProduceRequest, ProduceResponse } from '../../protocol/index.ts'
import {
  defaultPartitionProduceResponse,
  type PartitionProduceResponse,
} from '../../protocol/message-parts.ts'
import type { PartitionVerdict } from './partition.ts'

type ProduceTopic = ProduceRequest['topicData'][number]

export interface RefusedPartition {
  topic: Pick<ProduceTopic, 'name' | 'topicId'>
  index: number
  verdict: Extract<PartitionVerdict, { ok: false }>
}

/** errorMessage and recordErrors reach clients from Produce v8; older versions carry the code. */
export function partitionError(refused: RefusedPartition): PartitionProduceResponse {
  const { verdict } = refused
  return {
    ...defaultPartitionProduceResponse(),
    index: refused.index,
    errorCode: verdict.code,
    baseOffset: -1n,
    errorMessage: verdict.message,
    recordErrors: verdict.recordErrors.map((e) => ({
      batchIndex: e.index,
      batchIndexErrorMessage: e.message,
    })),
  }
}

/** Adds the refused partitions to the broker's answer, under their topic's entry if it has one. */
export function mergeRefusals(response: ProduceResponse, refused: readonly RefusedPartition[]) {
  for (const entry of refused) {
    const { name, topicId } = entry.topic
    let topic = response.responses.find((t) => t.name === name && t.topicId === topicId)
    if (topic === undefined) {
      topic = { name, topicId, partitionResponses: [] }
      response.responses.push(topic)
    }
    topic.partitionResponses.push(partitionError(entry))
  }
}
