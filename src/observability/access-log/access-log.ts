// The access log: one structured record per finished request or stream session, formatted per
// sink and offered to it (Kafka topic, stdout, file). It never blocks or fails a request: sinks
// queue or drop, and drops are counted in `weir_access_log_records_total{result="dropped"}`.
import type { AccessLogSinkConfig } from '../../config/index.ts'
import type { Logger } from '../logger.ts'
import type { Observation, Observer } from '../observer.ts'
import { accessLogFormatter, type AccessLogFormatter } from './format.ts'
import { KafkaAccessLogSink, type SinkKafka } from './kafka-sink.ts'
import type { AccessLogSink, SinkEvents } from './sink.ts'
import { StreamAccessLogSink } from './stream-sink.ts'

interface Entry {
  sink: AccessLogSink
  format: AccessLogFormatter
}

export class AccessLog implements Observer {
  readonly #entries: Entry[]
  readonly #logger: Logger

  constructor(entries: Entry[], logger: Logger) {
    this.#entries = entries
    this.#logger = logger
  }

  static fromConfig(
    sinks: readonly AccessLogSinkConfig[],
    deps: { kafka(cluster: string): SinkKafka; events: SinkEvents; logger: Logger }
  ): AccessLog {
    const entries = sinks.map((config, index): Entry => {
      const format = accessLogFormatter(config.format)
      const name = config.name ?? `${config.kind}-${index}`
      if (config.kind === 'stdout')
        return { sink: StreamAccessLogSink.stdout(name, deps.events), format }
      if (config.kind === 'file') {
        return {
          sink: StreamAccessLogSink.file(name, config.path, deps.events, config.bufferRecords),
          format,
        }
      }
      const logger = deps.logger.child({ component: 'access-log', sink: name })
      const sink = new KafkaAccessLogSink(
        { ...config, name },
        () => deps.kafka(config.backendCluster),
        deps.events,
        logger
      )
      return { sink, format }
    })
    return new AccessLog(entries, deps.logger)
  }

  get sinks(): readonly AccessLogSink[] {
    return this.#entries.map((e) => e.sink)
  }

  observe(observation: Observation): void {
    for (const { sink, format } of this.#entries) {
      try {
        sink.offer(format(observation))
      } catch (err) {
        // A record that cannot be encoded (a bug) must not fail the request.
        this.#logger.error({ err, sink: sink.name }, 'access log record not written')
      }
    }
  }

  /** Records waiting, by sink (for the buffer gauge). */
  buffered(): Record<string, number> {
    return Object.fromEntries(this.#entries.map(({ sink }) => [sink.name, sink.buffered]))
  }

  async close(timeoutMs = 5_000): Promise<void> {
    await Promise.all(this.#entries.map(({ sink }) => sink.close(timeoutMs)))
  }
}
