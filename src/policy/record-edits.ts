// Two record edits a door makes in turn (masks then encryption on the way in; decryption then
// masks on the way out), as one. The second is prepared for what the first makes of each record:
// a value decrypted whole is only then framed with the schema id a mask needs fetched.
import type { RecordView } from '../core/records/record-view.ts'
import { decodeHeader } from './encrypt/header.ts'
import { encryptionHeaderOf } from './encrypt/targets.ts'
import type { RecordEdit } from './mask/mask-set.ts'

export function chainRecordEdits(
  first: RecordEdit | undefined,
  second: RecordEdit | undefined
): RecordEdit | undefined {
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

/**
 * A fetch-side mask for a principal who reads an encrypted topic sealed: a value sealed whole is
 * ciphertext, never JSON or a framed value (one in 256 would start with the wire format's magic
 * byte and have the mask look up a random schema id), so the mask leaves it as it is.
 */
export function skippingSealedValues(mask: RecordEdit | undefined): RecordEdit | undefined {
  if (mask === undefined) return undefined
  const open = (records: readonly RecordView[]) => records.filter((r) => !valueSealed(r))
  return {
    prepare: (records) => mask.prepare(open(records)),
    apply: (record) => {
      if (!valueSealed(record)) mask.apply(record)
    },
  }
}

function valueSealed(record: RecordView): boolean {
  const header = encryptionHeaderOf(record)
  if (header === undefined) return false
  try {
    return decodeHeader(header).targets.includes('')
  } catch {
    // Unreadable: nothing says the value is sealed; the mask reads it as any other.
    return false
  }
}
