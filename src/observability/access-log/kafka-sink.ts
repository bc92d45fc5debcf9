// Access log records to a Kafka topic on any backend cluster, through that cluster's own client
// settings: TLS, mTLS and SASL come with it. Records wait in a bounded in-memory buffer and go
// out in batches (by count, bytes or linger time), compressed, with the configured acks and a
// timeout; a failed batch is retried with exponential backoff, then dropped. A full buffer drops
// new records. Either way the drop is counted and the request that made the record never waits.
// Once every attempt of a batch failed, the sink is down: what is queued is dropped, and new
// records are dropped on arrival (not even encoded) until the next probe, one backoff period
// later, so a dead log cluster costs neither requests nor a stream of reconnects.
import type { Logger } from '../logger.ts'
import type { AccessLogSink, SinkEvents } from './sink.ts'

/**
 * What the sink asks of a backend cluster's Kafka client: as much of src/kafka's client port
 * (KafkaClient) as it uses, declared here because src/kafka logs through observability and
 * observability imports nothing of src/kafka.
 */
export interface SinkKafka {
  producer(options: { idempotent: boolean; retries: number }): SinkProducer
}

export interface SinkProducer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  send(
    records: { topic: string; key: null; value: Buffer; headers: Record<string, Buffer> }[],
    options: Pick<KafkaSinkSettings, 'acks' | 'compression' | 'timeoutMs'>
  ): Promise<unknown>
}

export interface KafkaSinkSettings {
  name: string
  topic: string
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  acks: 'all' | 'leader' | 'none'
  timeoutMs: number
  batch: { maxRecords: number; maxBytes: number; lingerMs: number }
  bufferRecords: number
  retries: { maxAttempts: number; backoffMs: number; maxBackoffMs: number }
}

const compressions = new Set(['none', 'gzip', 'snappy', 'lz4', 'zstd'])

export class KafkaAccessLogSink implements AccessLogSink {
  readonly name: string
  readonly #settings: KafkaSinkSettings
  readonly #kafka: () => SinkKafka
  readonly #events: SinkEvents
  readonly #logger: Logger
  readonly #queue: string[] = []
  #producer: SinkProducer | undefined
  #connecting: Promise<void> | undefined
  #sending: Promise<void> | undefined
  #linger: NodeJS.Timeout | undefined
  #closed = false
  /** Ends a backoff wait early (close). */
  #wakeBackoff: (() => void) | undefined
  #down = false
  /** While down: when records are taken again, to probe whether the cluster is back. */
  #probeAt = 0

  constructor(
    settings: KafkaSinkSettings,
    kafka: () => SinkKafka,
    events: SinkEvents,
    logger: Logger
  ) {
    // The name may come from untyped configuration: refuse anything else at once.
    if (!compressions.has(settings.compression)) {
      throw new Error(`unknown compression type '${String(settings.compression)}'`)
    }
    this.name = settings.name
    this.#settings = settings
    this.#kafka = kafka
    this.#events = events
    this.#logger = logger
  }

  get buffered(): number {
    return this.#queue.length
  }

  offer(record: Record<string, unknown>): boolean {
    if (this.#down && (this.#sending !== undefined || Date.now() < this.#probeAt)) {
      this.#events.dropped(this.name, 1, 'sink down')
      return false
    }
    if (this.#closed || this.#queue.length >= this.#settings.bufferRecords) {
      this.#events.dropped(this.name, 1, this.#closed ? 'sink closed' : 'buffer full')
      return false
    }
    this.#queue.push(JSON.stringify(record))
    if (this.#queue.length >= this.#settings.batch.maxRecords) this.#kick()
    else this.#linger ??= setTimeout(() => this.#kick(), this.#settings.batch.lingerMs).unref()
    return true
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())
    this.#kick()
    this.#wakeBackoff?.()
    await Promise.race([this.#sending ?? Promise.resolve(), deadline])
    const left = this.#queue.splice(0)
    if (left.length > 0) this.#events.dropped(this.name, left.length, 'not sent before shutdown')
    await this.#producer?.disconnect().catch(() => undefined)
  }

  #kick(): void {
    clearTimeout(this.#linger)
    this.#linger = undefined
    if (this.#sending !== undefined) return
    this.#sending = this.#sendAll().finally(() => {
      this.#sending = undefined
      // Records that came while the last batch was out.
      if (this.#queue.length > 0 && !this.#closed) this.#kick()
    })
  }

  async #sendAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#takeBatch()
      await this.#sendBatch(batch)
    }
  }

  #takeBatch(): string[] {
    const { maxRecords, maxBytes } = this.#settings.batch
    let bytes = 0
    let count = 0
    while (count < this.#queue.length && count < maxRecords) {
      const size = Buffer.byteLength(this.#queue[count] as string)
      if (count > 0 && bytes + size > maxBytes) break
      bytes += size
      count++
    }
    return this.#queue.splice(0, count)
  }

  async #sendBatch(batch: string[]): Promise<void> {
    const { maxAttempts, backoffMs, maxBackoffMs } = this.#settings.retries
    let lastError: unknown
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const producer = await this.#connected()
        const { topic, acks, compression, timeoutMs } = this.#settings
        await producer.send(
          batch.map((value) => ({ topic, key: null, value: Buffer.from(value), headers: {} })),
          { acks, compression, timeoutMs }
        )
        this.#events.sent(this.name, batch.length)
        if (this.#down) {
          this.#down = false
          this.#logger.info({ sink: this.name }, 'access log sink is sending again')
        }
        return
      } catch (err) {
        lastError = err
        this.#reset()
        if (attempt === maxAttempts || this.#closed) break
        await this.#backoff(Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)))
      }
    }
    if (!this.#down) {
      this.#down = true
      this.#logger.warn(
        { sink: this.name, err: lastError },
        'access log sink cannot send: records are dropped until it can'
      )
    }
    this.#probeAt = Date.now() + maxBackoffMs
    const queued = this.#queue.splice(0)
    this.#events.dropped(this.name, batch.length + queued.length, 'send failed')
  }

  #connected(): Promise<SinkProducer> {
    if (this.#producer === undefined) {
      this.#producer = this.#kafka().producer({
        idempotent: false,
        // Retries are this sink's (with its own backoff), not the client's.
        retries: 0,
      })
      this.#connecting = this.#producer.connect()
    }
    const producer = this.#producer
    return (this.#connecting ?? Promise.resolve()).then(() => producer)
  }

  /** A failed producer is replaced: a client (kafkajs) can stay wedged after a failed connect. */
  #reset(): void {
    const producer = this.#producer
    this.#producer = undefined
    this.#connecting = undefined
    void producer?.disconnect().catch(() => undefined)
  }

  #backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#wakeBackoff = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      this.#wakeBackoff = done
    })
  }
}
