// A mask over records HTTP produce and request-reply hand to the producer: one adapter for every
// HTTP door that writes (the produce side stores values masked). Only the value changes.
import type { OutgoingRecord } from '../../kafka/producer/record.ts'
import type { RecordMask } from './mask-set.ts'

/** Masks each record's value in place, once any writer schema it needs is fetched. */
export async function maskOutgoing(
  mask: RecordMask,
  records: readonly OutgoingRecord[],
  clientTopic: string
): Promise<void> {
  const views = records.map((record) => ({
    topic: clientTopic,
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers: [],
  }))
  await mask.prepare(views)
  records.forEach((record, i) => {
    const view = views[i] as (typeof views)[number]
    mask.apply(view)
    record.value = view.value
  })
}
