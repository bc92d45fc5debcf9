// The Fetch side: a partition's batches decoded, the engine's read transform applied to each
// record (records it filters out dropped, the rest edited), and re-encoded with the same
// compression. Offsets must still move past dropped records:
// - a batch keeps its base offset, and records keep their offset deltas (gaps are fine: compacted
//   topics have them, and every client reads a record's offset from its delta);
// - a batch whose last records are dropped ends, for the client, at its last kept record, and a
//   one-record control batch (a COMMIT marker of no producer, id -1) takes the dropped last
//   offset. Java's consumer would advance on lastOffsetDelta alone (it steps past an empty
//   batch, as the log cleaner leaves them), but kafkajs ignores lastOffsetDelta and a fetch
//   with no record at all leaves it fetching the same offset forever; every client steps over
//   control records without handing them to the application, and with no producer id a
//   read_committed consumer finds no transaction to end.
// Transactional and control batches pass untouched (rewriting them would be a transaction's
// business), and so do magic v0/v1 message sets. A trailing partial batch is cut off: it cannot
// be edited, and the client fetches from there again anyway.
import {
  BatchAttribute,
  splitRecordBatches,
  type KafkaRecord,
  type RecordBatch,
} from '../../protocol/records/index.ts'
import { batchMagic, decodeBatchSync, encodeBatchSync } from './sync-batch.ts'

const ATTRIBUTES_OFFSET = 21
const UNTOUCHED = BatchAttribute.control | BatchAttribute.transactional
/** A control record's key: version 0, type 1 (COMMIT); its value: version 0, coordinator epoch 0. */
const MARKER_KEY = Buffer.from([0, 0, 0, 1])
const MARKER_VALUE = Buffer.from([0, 0, 0, 0, 0, 0])

/**
 * The partition's records with `keep` applied: it edits a record in place, and answers false for
 * one to drop. Throws CodecError for unreadable records.
 */
export function editFetchRecords(records: Buffer, keep: (record: KafkaRecord) => boolean): Buffer {
  const { batches } = splitRecordBatches(records)
  const out: Buffer[] = []
  for (const bytes of batches) {
    if (batchMagic(bytes) !== 2 || (bytes.readInt16BE(ATTRIBUTES_OFFSET) & UNTOUCHED) !== 0) {
      out.push(bytes)
      continue
    }
    const batch = decodeBatchSync(bytes)
    const all = batch.records
    const kept = all.filter(keep)
    const last = kept.at(-1)
    if (last !== undefined && last === all.at(-1)) {
      out.push(encodeBatchSync({ ...batch, records: kept }))
      continue
    }
    if (last !== undefined) {
      out.push(encodeBatchSync({ ...batch, records: kept, lastOffsetDelta: last.offsetDelta }))
    }
    // An empty batch read from the broker stays as it was (nothing to drop from it).
    if (all.length === 0) out.push(bytes)
    else out.push(encodeBatchSync(marker(batch)))
  }
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out)
}

/** The control batch standing at a dropped tail's last offset. */
function marker(batch: RecordBatch): RecordBatch {
  return {
    baseOffset: batch.baseOffset + BigInt(batch.lastOffsetDelta),
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    attributes: BatchAttribute.control | BatchAttribute.transactional,
    lastOffsetDelta: 0,
    baseTimestamp: batch.maxTimestamp,
    maxTimestamp: batch.maxTimestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: [
      {
        attributes: 0,
        timestampDelta: 0n,
        offsetDelta: 0,
        key: MARKER_KEY,
        value: MARKER_VALUE,
        headers: [],
      },
    ],
  }
}
