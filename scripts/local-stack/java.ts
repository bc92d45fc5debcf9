// Finds a Java runtime of at least a given major version. Kafka 4.1 runs on 17; Apicurio 3.3 is
// built for 21, so the registry may need a newer JDK than the system default. Compiles the
// repository's small Java programs (test clients, bench peers) once.
import { execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { cacheRoot } from './paths.ts'

/** The major version a Java binary reports, or 0 when it does not run. */
function majorVersionOf(javaBin: string): number {
  // The JVM prints its settings to stderr.
  const run = spawnSync(javaBin, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' })
  const match = /java\.specification\.version = (\d+)/.exec(run.stderr ?? '')
  return match ? Number(match[1]) : 0
}

function candidates(): string[] {
  const found: string[] = []
  for (const home of [process.env.WEIR_JAVA_HOME, process.env.JAVA_HOME]) {
    if (home) found.push(path.join(home, 'bin', 'java'))
  }
  found.push('java')
  const jvmDir = '/usr/lib/jvm'
  if (existsSync(jvmDir)) {
    for (const entry of readdirSync(jvmDir).sort().reverse()) {
      const bin = path.join(jvmDir, entry, 'bin', 'java')
      if (existsSync(bin)) found.push(bin)
    }
  }
  return found
}

/** The first Java binary (WEIR_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm) of at least `minMajor`. */
export function findJava(minMajor: number): string {
  const seen: string[] = []
  for (const bin of candidates()) {
    const major = majorVersionOf(bin)
    if (major >= minMajor) return bin
    seen.push(`${bin} (${major || 'not runnable'})`)
  }
  throw new Error(
    `no Java ${minMajor}+ runtime found; tried ${seen.join(', ')}. ` +
      `Install one (apt-get install openjdk-${minMajor}-jre-headless) or set WEIR_JAVA_HOME.`
  )
}

/**
 * A Java source file compiled once against a folder of jars into `.cache/<name>/<hash>` (by the
 * source's content and `key`, the jars' version, say), with the javac beside `java` (a JDK):
 * source-file mode would compile it again in every JVM, seconds each on two cores. Returns the
 * classpath: the classes, then the jars.
 */
export async function compiledOnce(
  java: string,
  source: string,
  lib: string,
  name: string,
  key: string
): Promise<string> {
  const hash = createHash('sha256').update(key).update(readFileSync(source)).digest('hex')
  const classes = path.join(cacheRoot, name, hash.slice(0, 16))
  const marker = path.join(classes, '.complete')
  if (!existsSync(marker)) {
    rmSync(classes, { recursive: true, force: true })
    mkdirSync(classes, { recursive: true })
    const javac = path.join(path.dirname(java), 'javac')
    await promisify(execFile)(javac, ['-d', classes, '-cp', `${lib}/*`, source]).catch(
      (err: Error) => {
        throw new Error(
          `cannot compile ${path.basename(source)} with ${javac} (a JDK is needed): ${err.message}`
        )
      }
    )
    writeFileSync(marker, new Date().toISOString())
  }
  return `${classes}${path.delimiter}${lib}/*`
}
