// Finds a Java runtime of at least a given major version. Kafka 4.1 runs on 17; Apicurio 3.3 is
// built for 21, so the registry may need a newer JDK than the system default.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'

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
