// Downloads the stack's Java artifacts from Maven Central with Maven itself, once. A marker file
// is written only after a download completes, so an interrupted one is retried, never half-used.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { downloadsDir, versions } from './paths.ts'

const run = promisify(execFile)

async function mvn(args: string[], what: string): Promise<void> {
  try {
    await run('mvn', ['-q', '-B', ...args], { maxBuffer: 16 * 1024 * 1024 })
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; message: string }
    const output = `${e.stdout ?? ''}\n${e.stderr ?? e.message}`
      .trim()
      .split('\n')
      .slice(-15)
      .join('\n')
    throw new Error(`Maven could not download ${what} (exit ${String(e.code)}):\n${output}`, {
      cause: err,
    })
  }
}

async function once(
  dir: string,
  what: string,
  download: (dir: string) => Promise<void>
): Promise<void> {
  const marker = path.join(dir, '.complete')
  if (existsSync(marker)) return
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  process.stderr.write(`weir stack: downloading ${what} from Maven Central (once)\n`)
  await download(dir)
  writeFileSync(marker, new Date().toISOString())
}

/** A folder of jars that is a complete runtime classpath for a KRaft broker. */
export async function kafkaLibDir(): Promise<string> {
  const dir = path.join(downloadsDir, `kafka-${versions.kafka}`)
  await once(dir, `Apache Kafka ${versions.kafka}`, async (target) => {
    const pom = path.join(target, 'pom.xml')
    writeFileSync(
      pom,
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>weir.local</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${versions.kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${versions.log4j}</version></dependency>
  </dependencies>
</project>
`
    )
    await mvn(
      [
        '-f',
        pom,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${path.join(target, 'lib')}`,
      ],
      `Apache Kafka ${versions.kafka}`
    )
  })
  return path.join(dir, 'lib')
}

/** The unpacked Apicurio Registry application (its `quarkus-run.jar` sits at the top). */
export async function apicurioAppDir(): Promise<string> {
  const dir = path.join(downloadsDir, `apicurio-${versions.apicurio}`)
  await once(dir, `Apicurio Registry ${versions.apicurio}`, async (target) => {
    const artifact = `io.apicurio:apicurio-registry-app:${versions.apicurio}:tar.gz:all`
    await mvn(
      ['dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${target}`],
      artifact
    )
    const archive = readdirSync(target).find((f) => f.endsWith('.tar.gz'))
    if (!archive) throw new Error(`Maven reported success but no archive arrived for ${artifact}`)
    const app = path.join(target, 'app')
    mkdirSync(app)
    await run('tar', ['-xzf', path.join(target, archive), '-C', app]).catch((err: Error) => {
      throw new Error(`cannot unpack ${archive}: ${err.message}`)
    })
    rmSync(path.join(target, archive))
  })
  return path.join(dir, 'app')
}
