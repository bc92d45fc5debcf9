// Where access log records go. A sink never throws and never waits on its destination: `offer`
// queues (or drops, counting it) and returns at once.
export interface AccessLogSink {
  readonly name: string
  /** Queues one record; false when it was dropped (buffer full, sink closed). */
  offer(record: Record<string, unknown>): boolean
  /** Records waiting to be written. */
  readonly buffered: number
  /** Writes what it can within `timeoutMs`, then lets go of its destination. */
  close(timeoutMs: number): Promise<void>
}

/** What a sink reports: records sent, and records dropped (with why, for the log). */
export interface SinkEvents {
  sent(sink: string, count: number): void
  dropped(sink: string, count: number, why: string): void
}
