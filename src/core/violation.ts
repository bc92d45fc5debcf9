/** One reason a record failed validation. */
export interface Violation {
  /** JSON pointer into the record (RFC 6901), e.g. `/items/0/price`; `` is the whole value. */
  path: string
  message: string
  /** Index of the record within a batch. */
  record?: number
  /** Which part of the record: the value (default) or the key. */
  part?: 'key' | 'value'
}
