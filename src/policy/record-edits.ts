// Two record edits a door makes in turn (masks then encryption on the way in; decryption then
// masks on the way out), as one. The second is prepared for what the first makes of each record:
// a value decrypted whole is only then framed with the schema id a mask needs fetched.
import type { RecordView } from '../core/records/record-view.ts'
import type { RecordMask } from './mask/mask-set.ts'

export function chainRecordEdits(
  first: RecordMask | undefined,
  second: RecordMask | undefined
): RecordMask | undefined {
  if (first === undefined) return second
  if (second === undefined) return first
  const prepareSecond = (records: readonly RecordView[]) =>
    second.prepare(
      records.map((record) => {
        const copy = { ...record, headers: [...record.headers] }
        first.apply(copy)
        return copy
      })
    )
  return {
    prepare(records) {
      const pending = first.prepare(records)
      return pending === undefined
        ? prepareSecond(records)
        : pending.then(() => prepareSecond(records))
    },
    apply(record) {
      first.apply(record)
      second.apply(record)
    },
  }
}
