// The Produce side: a partition's batches decoded, the engine's write transform applied to each
// record (only headers change), and re-encoded
// with the same compression. Every header field is kept as the producer wrote it (base offset,
// producer id and epoch, base sequence, lastOffsetDelta, timestamps, attributes) and the record
// count does not change, so an idempotent or transactional producer's sequence numbers still
// line up at the broker; only the CRC is computed anew over the new bytes. Control batches are
// passed on as they came.
import {
  BatchAttribute,
  decodeRecordBatch,
  encodeRecordBatch,
  splitRecordBatches,
} from '../../protocol/records/index.ts'
import { CodecError } from '../../protocol/index.ts'
import type { KafkaRecord } from '../../protocol/records/index.ts'

/**
 * The partition's records with `edit` applied to each batch's records in place (a batch at a
 * time, so an edit that waits, for a data key say, waits once per batch rather than per record);
 * throws CodecError for unreadable ones.
 */
export async function editProduceRecords(
  records: Buffer,
  edit: (records: KafkaRecord[]) => void | Promise<void>
): Promise<Buffer> {
  const { batches, partial } = splitRecordBatches(records)
  if (partial !== null)
    throw new CodecError(`the records end in ${partial.length} bytes of a batch`)
  const out: Buffer[] = []
  for (const bytes of batches) {
    // The CRC is checked here: the batch is re-encoded, so the broker would no longer catch it.
    const batch = await decodeRecordBatch(bytes)
    if ((batch.attributes & BatchAttribute.control) !== 0) {
      out.push(bytes)
      continue
    }
    await edit(batch.records)
    out.push(await encodeRecordBatch(batch))
  }
  return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out)
}
