// One record as the policy engine sees it, whichever door it came through: HTTP produce builds it
// from events, the Kafka listener from record batches, streams, views and replies from consumed
// records. Policies written against it (transforms today) hold on every door. Key and value stay
// bytes: a policy decodes only what it reads, so a record no policy touches is never decoded.

/** A Kafka record header: names may repeat, and a value may be null. */
export interface RecordHeader {
  key: string
  value: Buffer | null
}

export interface RecordView {
  /** The topic as the client names it (namespace prefixes already removed). */
  readonly topic: string
  readonly partition?: number
  /** Milliseconds since the epoch, where the door knows it. */
  readonly timestamp?: number
  /** A policy may replace the key (encryption), the value (a mask, encryption) ... */
  key: Buffer | null
  value: Buffer | null
  /** ... and the headers (set or removed), in order. */
  headers: RecordHeader[]
}
