// A record view as the filter language reads it, decoded only as far as a test asks: a filter on
// headers never parses the value, and a value parsed for a JSON predicate is parsed once and
// handed to the masks after it. Keys and values read as a stream's `auto` format reads them.
import { decodeBytes, type Decoded } from '../../core/records/payload.ts'
import type { RecordHeader, RecordView } from '../../core/records/record-view.ts'
import type { FilterRecord } from '../filter/filters.ts'

export class LazyRecord implements FilterRecord {
  readonly #record: RecordView
  #key: Decoded | null | undefined
  #value: Decoded | null | undefined
  #headers: Record<string, string> | undefined

  constructor(record: RecordView) {
    this.#record = record
  }

  get key(): unknown {
    this.#key ??= this.#record.key === null ? null : decodeBytes(this.#record.key, 'auto')
    return this.#key?.value ?? null
  }

  get headers(): Readonly<Record<string, string>> {
    this.#headers ??= headerMap(this.#record.headers)
    return this.#headers
  }

  get value(): unknown {
    return this.#decodedValue()?.value ?? null
  }

  get tombstone(): boolean {
    return this.#record.value === null
  }

  get encoding(): { value?: Decoded['encoding'] } {
    return { value: this.#decodedValue()?.encoding }
  }

  /** The value's JSON object or array (parsed once), or undefined when it holds none. */
  document(): object | undefined {
    const decoded = this.#decodedValue()
    if (decoded?.encoding !== 'json' || decoded.value === null) return undefined
    return typeof decoded.value === 'object' ? decoded.value : undefined
  }

  #decodedValue(): Decoded | null {
    this.#value ??= this.#record.value === null ? null : decodeBytes(this.#record.value, 'auto')
    return this.#value
  }
}

/** UTF-8 header values; a repeated header gives its last value (as streams see them). */
function headerMap(headers: readonly RecordHeader[]): Record<string, string> {
  const map: Record<string, string> = Object.create(null) as Record<string, string>
  for (const h of headers) if (h.value !== null) map[h.key] = h.value.toString('utf8')
  return map
}
