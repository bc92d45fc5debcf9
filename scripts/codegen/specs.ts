// Finds Kafka's message specs (common/message/*.json inside the kafka-clients jar of the pinned
// Kafka release) and parses them. The broker classpath of the local stack already holds that jar;
// otherwise Maven fetches kafka-clients alone.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { mavenClasspath } from '../local-stack/maven.ts'
import { downloadsDir, versions } from '../local-stack/paths.ts'

const run = promisify(execFile)

/** A spec file as Kafka writes it (only the keys the generator reads). */
export interface RawField {
  name: string
  type: string
  versions: string
  about?: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  ignorable?: boolean
  entityType?: string
  flexibleVersions?: string
  fields?: RawField[]
}

export interface RawSpec {
  apiKey?: number
  type: 'request' | 'response' | 'header' | 'data'
  name: string
  validVersions: string
  flexibleVersions?: string
  latestVersionUnstable?: boolean
  fields?: RawField[]
  commonStructs?: { name: string; versions: string; fields: RawField[] }[]
}

/** The kafka-clients jar of the pinned Kafka version, downloaded if need be. */
export async function kafkaClientsJar(): Promise<string> {
  const jar = `kafka-clients-${versions.kafka}.jar`
  const brokerLib = path.join(downloadsDir, `kafka-${versions.kafka}`)
  if (existsSync(path.join(brokerLib, '.complete'))) return path.join(brokerLib, 'lib', jar)
  const lib = await mavenClasspath(
    `kafka-clients-${versions.kafka}`,
    [{ groupId: 'org.apache.kafka', artifactId: 'kafka-clients', version: versions.kafka }],
    `Apache Kafka clients ${versions.kafka}`
  )
  return path.join(lib, jar)
}

/** Every spec in the jar, by file name (e.g. `ProduceRequest.json`). */
export async function readSpecsFromJar(jar: string): Promise<Map<string, RawSpec>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-codegen-'))
  try {
    await run('unzip', ['-q', '-o', jar, 'common/message/*.json', '-d', dir])
    return readSpecsFromDir(path.join(dir, 'common', 'message'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function readSpecsFromDir(dir: string): Map<string, RawSpec> {
  const specs = new Map<string, RawSpec>()
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue
    const text = readFileSync(path.join(dir, file), 'utf8')
    try {
      specs.set(file, JSON.parse(stripComments(text)) as RawSpec)
    } catch (err) {
      throw new Error(`cannot parse ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  return specs
}

/** Removes `//` comments, which Kafka's spec files allow, leaving `//` inside strings alone. */
export function stripComments(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === '\\') out += text[++i] ?? ''
      else if (c === '"') inString = false
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else {
      if (c === '"') inString = true
      out += c
    }
  }
  return out
}
