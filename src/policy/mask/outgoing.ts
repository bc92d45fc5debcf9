// A mask over records HTTP produce and request-reply hand to the producer: one adapter for every
// HTTP door that writes (the produce side stores values masked, and sealed where an encrypt
// policy applies: the key and headers may change too).
import type { OutgoingRecord } from '../../kafka/producer/record.ts'
import type { RecordView } from '../../core/records/record-view.ts'
import type { RecordEdit } from './mask-set.ts'

/** Masks each record's value in place, once any writer schema it needs is fetched. */
export async function maskOutgoing(
  mask: RecordEdit,
  records: readonly OutgoingRecord[],
  clientTopic: string
): Promise<void> {
  const views = records.map((record) => ({
    topic: clientTopic,
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers: Object.entries(record.headers).map(([key, value]) => ({ key, value })),
  }))
  await mask.prepare(views)
  records.forEach((record, i) => {
    const view = views[i] as RecordView
    mask.apply(view)
    record.key = view.key
    record.value = view.value
    record.headers = {}
    for (const h of view.headers) if (h.value !== null) record.headers[h.key] = h.value
  })
}
