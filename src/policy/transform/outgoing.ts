// The write transform over records HTTP produce and request-reply hand to the producer: one
// adapter for every HTTP door that writes. Only the headers can change on the way in.
import type { RecordHeader } from '../../core/records/record-view.ts'
import type { OutgoingRecord } from '../../kafka/producer/record.ts'
import type { WriteTransform } from './compile.ts'

/** Edits each record's headers in place; `clientTopic` is the topic as the client named it. */
export function writeOutgoing(
  transform: WriteTransform,
  records: readonly OutgoingRecord[],
  clientTopic: string
): void {
  for (const record of records) {
    const view = {
      topic: clientTopic,
      partition: record.partition,
      timestamp: record.timestamp,
      key: record.key,
      value: record.value,
      headers: Object.entries(record.headers).map(([key, value]): RecordHeader => ({ key, value })),
    }
    transform(view)
    // A null value has no place in the producer's header map; a set header is never null.
    record.headers = Object.fromEntries(
      view.headers.filter((h) => h.value !== null).map((h) => [h.key, h.value as Buffer])
    )
  }
}
