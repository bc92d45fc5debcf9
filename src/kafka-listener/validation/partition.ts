// One partition's records against a topic's schema policy: its batches decoded (decompressed
// too) into the records' keys and values, which the policy engine judges (policy/schema); its
// verdict becomes the partition's Kafka error code. The verdict is the whole partition's, as a
// broker's is: one bad record and none of them is written.
import { kafkaErrorCode } from '../../core/errors.ts'
import type {
  RecordCheck,
  RecordError,
  RecordsVerdict,
  SerializedRecord,
} from '../../policy/schema/index.ts'
import { CodecError } from '../../protocol/index.ts'
import {
  BatchAttribute,
  decodeRecordBatch,
  splitRecordBatches,
  type RecordBatch,
} from '../../protocol/records/index.ts'
import { CORRUPT_MESSAGE, UNKNOWN_SERVER_ERROR } from './error-codes.ts'

export type PartitionVerdict =
  { ok: true } | { ok: false; code: number; message: string; recordErrors: readonly RecordError[] }

const accepted: PartitionVerdict = { ok: true }

export async function checkPartition(
  records: Buffer | null,
  check: RecordCheck
): Promise<PartitionVerdict> {
  if (records === null || records.length === 0) return accepted
  let batches: RecordBatch[]
  try {
    batches = await readBatches(records)
  } catch (err) {
    if (!(err instanceof CodecError)) throw err
    const message = `the records cannot be read: ${err.message}`
    return { ok: false, code: CORRUPT_MESSAGE, message, recordErrors: [] }
  }
  return partitionVerdict(await check.check(dataRecords(batches)))
}

/** The engine's verdict in Kafka's terms. */
export function partitionVerdict(verdict: RecordsVerdict): PartitionVerdict {
  if (verdict.ok) return accepted
  const { error, recordErrors } = verdict
  // A registry that is down is `backend-unavailable`: REQUEST_TIMED_OUT, which every client retries.
  const code = kafkaErrorCode(error.code) ?? UNKNOWN_SERVER_ERROR
  return { ok: false, code, message: error.detail, recordErrors }
}

/**
 * A partition holds whole batches only (a producer never sends part of one). CRCs are left to the
 * broker, which checks the very bytes forwarded (they are never re-encoded): computing them here
 * would cost as much as all the rest, and a corrupt batch is refused either way.
 */
async function readBatches(records: Buffer): Promise<RecordBatch[]> {
  const { batches, partial } = splitRecordBatches(records)
  if (partial !== null) throw new CodecError(`they end in ${partial.length} bytes of a batch`)
  const decoded: RecordBatch[] = []
  for (const batch of batches) decoded.push(await decodeRecordBatch(batch, { verifyCrc: false }))
  return decoded
}

/** Record indexes count data records only, as the broker's record errors do. */
function dataRecords(batches: readonly RecordBatch[]): SerializedRecord[] {
  const out: SerializedRecord[] = []
  for (const batch of batches) {
    // Control batches (transaction markers) carry no data; brokers write them, not producers.
    if ((batch.attributes & BatchAttribute.control) !== 0) continue
    for (const record of batch.records) out.push({ key: record.key, value: record.value })
  }
  return out
}
