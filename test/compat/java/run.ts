// Runs Compat.java (Java kafka-clients of the Kafka version the stack pins) against a bootstrap
// address and returns what it printed. Java and the jars are required, never optional: a missing
// runtime or Maven fails the caller rather than skipping it.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compiledOnce, findJava } from '../../../scripts/local-stack/java.ts'
import { mavenClasspath } from '../../../scripts/local-stack/maven.ts'
import { versions } from '../../../scripts/local-stack/paths.ts'

const program = path.join(path.dirname(fileURLToPath(import.meta.url)), 'Compat.java')

/** kafka-clients 4.x logs through SLF4J 1.7; slf4j-simple lets Compat.java read its own log. */
const SLF4J = '1.7.36'

export interface JavaNode {
  id: number
  host: string
  port: number
}

export interface JavaConnection {
  host: string
  port: number
  nodeId: number
  address: string
}

export interface JavaCompatOutput {
  bootstrap: string
  connections: JavaConnection[]
  warnings: string[]
  /** Each scenario's findings, or `error` with a stack trace. */
  [scenario: string]: unknown
}

/** The jars (a folder) kafka-clients needs at run time, fetched once into .cache/downloads. */
export function javaClientsClasspath(): Promise<string> {
  return mavenClasspath(
    `compat-java-${versions.kafka}`,
    [
      { groupId: 'org.apache.kafka', artifactId: 'kafka-clients', version: versions.kafka },
      { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: SLF4J },
    ],
    `kafka-clients ${versions.kafka}`
  )
}

export interface JavaCompat {
  java: string
  /** The compiled Compat class and the jars, for `-cp`. */
  classpath: string
}

let prepared: Promise<JavaCompat> | undefined

/**
 * Java, the jars, and Compat.java compiled once into .cache/compat-java (by content): source-file
 * mode would compile it again in every JVM, seconds each on two cores.
 */
export function prepareJavaCompat(): Promise<JavaCompat> {
  prepared ??= (async () => {
    // The broker's 17 is what the stack already requires; javac sits beside java in a JDK.
    const java = findJava(17)
    const lib = await javaClientsClasspath()
    const classpath = await compiledOnce(java, program, lib, 'compat-java', versions.kafka)
    return { java, classpath }
  })()
  prepared.catch(() => (prepared = undefined))
  return prepared
}

export interface JavaCompatOptions {
  /** Client settings every client gets (security.protocol, sasl.*, ssl.*...). */
  clientProperties?: Record<string, string>
  /**
   * Host name to address, as the JVM's only resolver (jdk.net.hosts.file, Java 9+): SNI names
   * resolve without touching /etc/hosts, and a name left out fails instead of leaking out.
   */
  hosts?: Record<string, string>
  /** Names for the tenant and tenant-list scenarios. */
  tenant?: { topic: string; group: string; tag: string }
  /** What the refusals scenario tries (the group subscribing to `allowedTopic`). */
  refusals?: { topics: string[]; allowedTopic: string; group: string; txn: string }
  /** Other `compat.*` settings of a scenario (regex, filtered-tail), without the `compat.`. */
  settings?: Record<string, string>
}

/** Runs the scenarios (all when none are named) in one JVM. */
export async function runJavaCompat(
  bootstrap: string,
  scenarios: string[] = [],
  timeoutMs = 170_000,
  options: JavaCompatOptions = {}
): Promise<JavaCompatOutput> {
  const { java, classpath } = await prepareJavaCompat()
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-compat-java-'))
  const flags: string[] = []
  if (options.clientProperties) {
    const file = path.join(dir, 'client.properties')
    writeFileSync(file, propertiesFile(options.clientProperties))
    flags.push(`-Dcompat.properties=${file}`)
  }
  if (options.hosts) {
    const file = path.join(dir, 'hosts')
    const lines = Object.entries(options.hosts).map(([name, address]) => `${address} ${name}\n`)
    writeFileSync(file, lines.join(''))
    flags.push(`-Djdk.net.hosts.file=${file}`)
  }
  if (options.tenant) {
    const { topic, group, tag } = options.tenant
    flags.push(
      `-Dcompat.tenant.topic=${topic}`,
      `-Dcompat.tenant.group=${group}`,
      `-Dcompat.tenant.tag=${tag}`
    )
  }
  if (options.refusals) {
    const { topics, allowedTopic, group, txn } = options.refusals
    flags.push(
      `-Dcompat.refusals.topics=${topics.join(',')}`,
      `-Dcompat.refusals.allowedTopic=${allowedTopic}`,
      `-Dcompat.refusals.group=${group}`,
      `-Dcompat.refusals.txn=${txn}`
    )
  }
  for (const [key, value] of Object.entries(options.settings ?? {})) {
    flags.push(`-Dcompat.${key}=${value}`)
  }
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      java,
      [...flags, '-cp', classpath, 'Compat', bootstrap, ...scenarios],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, out, errOut) => {
        if (err) {
          reject(new Error(`Compat.java ${scenarios.join(' ')} failed: ${err.message}\n${errOut}`))
        } else {
          resolve(out)
        }
      }
    )
  }).finally(() => rmSync(dir, { recursive: true, force: true }))
  const line = stdout.trim().split('\n').at(-1) ?? ''
  try {
    return JSON.parse(line) as JavaCompatOutput
  } catch {
    throw new Error(`Compat.java printed no JSON result:\n${stdout}`)
  }
}

/** java.util.Properties syntax: keys and values escaped, one per line. */
function propertiesFile(entries: Record<string, string>): string {
  const escape = (text: string, key: boolean) =>
    text
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(key ? /[=: ]/g : /^ /, (c) => `\\${c}`)
  return Object.entries(entries)
    .map(([key, value]) => `${escape(key, true)}=${escape(value, false)}\n`)
    .join('')
}
