// A peer for http-produce: the Strimzi Kafka Bridge (Java, Vert.x) taking the same events over
// HTTP, against the same broker, in the same run. Optional: when its jars cannot be had, the
// scenario measures nothing and says so in the report instead of failing the run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { findJava } from '../../scripts/local-stack/java.ts'
import { mavenClasspath } from '../../scripts/local-stack/maven.ts'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startServer } from '../gateway-process.ts'
import type { Scenario } from '../scenario.ts'
import { recordBytes } from './direct-produce.ts'
import { chosenVariants, timing, variants } from './http-events.ts'
import { measureVariants, type HttpTarget } from './http-measure.ts'

const name = 'http-produce-strimzi'
const bridgeVersion = '0.33.1'
const artifact = `io.strimzi:kafka-bridge:${bridgeVersion}`

/**
 * The bridge's runtime classpath: WEIR_BENCH_STRIMZI_LIB (a folder of jars, e.g. the `libs/` of
 * the release archive), or the artifact and its dependencies from Maven Central, fetched once
 * into .cache/. Throws when neither can be had.
 */
async function bridgeLibDir(log: (m: string) => void): Promise<string> {
  const given = process.env.WEIR_BENCH_STRIMZI_LIB
  if (given) return given
  log(`fetching ${artifact} from Maven Central (once)`)
  try {
    return await mavenClasspath(
      `kafka-bridge-${bridgeVersion}`,
      [{ groupId: 'io.strimzi', artifactId: 'kafka-bridge', version: bridgeVersion }],
      artifact
    )
  } catch (err) {
    // Maven's own words on what was missing are the useful part for the report.
    const message = err instanceof Error ? err.message : String(err)
    const why = /Could not (find|resolve)[^\n]*/.exec(message)?.[0]
    const reason = (why ?? message.split('\n')[0] ?? '').replace(/\s*-> \[Help 1\]$/, '')
    throw new Error(`Maven could not fetch ${artifact}: ${reason}`, { cause: err })
  }
}

const log4j = `status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d %p %c: %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = STDOUT
`

/** The JSON variants: the bridge validates nothing against a registry, so Avro has no peer here. */
const bridgeVariants = variants
  .filter((v) => v.format === 'json')
  .map((v) => ({ ...v, aim: undefined }))

export const httpProduceStrimzi: Scenario = {
  name,
  description:
    `The Strimzi Kafka Bridge ${bridgeVersion} (Java, its own process, -Xmx1g, producer acks=all, ` +
    `other producer settings at Kafka's defaults) taking the same ${recordBytes}-byte JSON events ` +
    `as http-produce: POST /topics/{topic} with application/vnd.kafka.json.v2+json, ` +
    `{"records":[{"value":event}, ...]}, for ${bridgeVariants.map((v) => `${v.id} (${v.connections} connections)`).join(', ')}; ` +
    `${timing.warmUpSeconds} s warm-up, ${timing.measureSeconds} s measured, a fresh bridge per ` +
    `variant. Errors are answers other than 200. Needs ${artifact} from Maven Central (or ` +
    `WEIR_BENCH_STRIMZI_LIB); without it the bridge is not measured.`,
  baselines: ['direct-produce'],
  async run(ctx) {
    let lib: string
    let java: string
    try {
      lib = await bridgeLibDir(ctx.log)
      java = findJava(17)
    } catch (err) {
      ctx.note(
        `Not measured: the Strimzi Kafka Bridge could not be had here (${(err as Error).message}). ` +
          'Set WEIR_BENCH_STRIMZI_LIB to a folder holding its jars to measure it.'
      )
      return []
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weir-bench-strimzi-'))
    try {
      writeFileSync(path.join(dir, 'log4j2.properties'), log4j)
      const target: HttpTarget = {
        label: 'Strimzi bridge',
        async start() {
          const port = await freePort()
          const config = path.join(dir, 'application.properties')
          writeFileSync(
            config,
            [
              'bridge.id=weir-bench',
              `kafka.bootstrap.servers=${ctx.bootstrap}`,
              'kafka.producer.acks=all',
              'http.host=127.0.0.1',
              `http.port=${port}`,
              'http.consumer.enabled=false',
              'http.producer.enabled=true',
              '',
            ].join('\n')
          )
          return startServer({
            name: 'strimzi-bridge',
            command: java,
            args: [
              '-Xmx1g',
              `-Dvertx.cacheDirBase=${path.join(dir, 'vertx-cache')}`,
              `-Dlog4j2.configurationFile=file:${path.join(dir, 'log4j2.properties')}`,
              '-cp',
              `${lib}/*`,
              'io.strimzi.kafka.bridge.Application',
              `--config-file=${config}`,
            ],
            logFile: path.join(dir, 'bridge.log'),
            url: `http://127.0.0.1:${port}`,
            readyPath: '/ready',
            readyTimeoutMs: 120_000,
          })
        },
        request: (topic) => ({
          path: `/topics/${topic}`,
          headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        }),
        body: (events) => JSON.stringify({ records: events.map((value) => ({ value })) }),
        okStatus: 200,
      }
      return await measureVariants(ctx, 'strimzi', chosenVariants(bridgeVariants), target)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
