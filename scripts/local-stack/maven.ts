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

export interface MavenDependency {
  groupId: string
  artifactId: string
  version: string
}

/**
 * A folder of jars: the dependencies and everything they need at run time, fetched once into
 * `.cache/downloads/<name>`.
 */
export async function mavenClasspath(
  name: string,
  dependencies: readonly MavenDependency[],
  what: string
): Promise<string> {
  const dir = path.join(downloadsDir, name)
  await once(dir, what, async (target) => {
    const pom = path.join(target, 'pom.xml')
    const deps = dependencies
      .map(
        (d) =>
          `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId><version>${d.version}</version></dependency>`
      )
      .join('\n')
    writeFileSync(
      pom,
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>weir.local</groupId><artifactId>${name}</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`
    )
    // -U: a "not found" Maven remembers must not outlive the artifact's arrival.
    await mvn(
      [
        '-U',
        '-f',
        pom,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${path.join(target, 'lib')}`,
      ],
      what
    )
  })
  return path.join(dir, 'lib')
}

/** A folder of jars that is a complete runtime classpath for a KRaft broker. */
export function kafkaLibDir(): Promise<string> {
  return mavenClasspath(
    `kafka-${versions.kafka}`,
    [
      { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: versions.kafka },
      // The SLF4J 1.7 -> Log4j 2 binding of the release tarball; the kafka_2.13 POM lacks it.
      {
        groupId: 'org.apache.logging.log4j',
        artifactId: 'log4j-slf4j-impl',
        version: versions.log4j,
      },
    ],
    `Apache Kafka ${versions.kafka}`
  )
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
