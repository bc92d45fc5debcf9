// Generates src/protocol/generated/ from Kafka's message specs: one module per request, response
// and header, the API table, the schema description and an index.
//
//   node scripts/codegen/generate.ts                 specs from the pinned kafka-clients jar
//   node scripts/codegen/generate.ts --specs DIR     specs from a folder of *.json files
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as prettier from 'prettier'
import { repoRoot, versions } from '../local-stack/paths.ts'
import { emitMessage, moduleName } from './emit-message.ts'
import { emitApis, emitIndex, emitSchema, type Api } from './emit-tables.ts'
import { buildMessage, type Message, type Range } from './model.ts'
import { kafkaClientsJar, readSpecsFromDir, readSpecsFromJar, type RawSpec } from './specs.ts'

const outDir = path.join(repoRoot, 'src', 'protocol', 'generated')

function sameRange(a: Range | null, b: Range | null): boolean {
  return a === b || (!!a && !!b && a.lo === b.lo && a.hi === b.hi)
}

function build(specs: Map<string, RawSpec>): {
  apis: Api[]
  headers: Message[]
  retired: Map<number, string>
} {
  const requests = new Map<number, Message>()
  const responses = new Map<number, Message>()
  const retired = new Map<number, string>()
  const headers: Message[] = []
  for (const [file, spec] of specs) {
    if (spec.type === 'header') {
      // Request header v0 (no client id) left the spec in Kafka 4.0 along with v0 of
      // ControlledShutdown, the one request framed with it; the codec still reads it.
      const valid = spec.name === 'RequestHeader' ? { lo: 0, hi: 2 } : undefined
      headers.push(buildMessage(spec, valid)!)
      continue
    }
    if (spec.type !== 'request' && spec.type !== 'response') continue
    if (spec.apiKey === undefined) throw new Error(`${file} has no apiKey`)
    const message = buildMessage(spec)
    if (!message) {
      retired.set(spec.apiKey, spec.name.replace(/(Request|Response)$/, ''))
      continue
    }
    ;(spec.type === 'request' ? requests : responses).set(spec.apiKey, message)
  }
  const apis: Api[] = []
  for (const [key, request] of [...requests].sort((a, b) => a[0] - b[0])) {
    const response = responses.get(key)
    if (!response) throw new Error(`${request.name} has no response`)
    if (!sameRange(request.valid, response.valid)) {
      throw new Error(`${request.name}: request and response versions differ`)
    }
    if (!sameRange(request.flexible, response.flexible)) {
      throw new Error(`${request.name}: request and response flexible versions differ`)
    }
    apis.push({ key, name: request.name.replace(/Request$/, ''), request, response })
  }
  return { apis, headers, retired: new Map([...retired].sort((a, b) => a[0] - b[0])) }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { specs: { type: 'string' } } })
  const specs = values.specs
    ? readSpecsFromDir(values.specs)
    : await readSpecsFromJar(await kafkaClientsJar())
  const { apis, headers, retired } = build(specs)
  const messages = [...headers, ...apis.flatMap((api) => [api.request, api.response])]

  const files = new Map<string, string>()
  for (const message of messages) {
    const file = path.join('messages', `${moduleName(message.name)}.ts`)
    files.set(file, emitMessage(message, versions.kafka))
  }
  files.set('apis.ts', emitApis(apis, retired, versions.kafka))
  files.set('schema.ts', emitSchema(messages, versions.kafka))
  files.set('index.ts', emitIndex(messages))

  const config = (await prettier.resolveConfig(path.join(outDir, 'index.ts'))) ?? {}
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(path.join(outDir, 'messages'), { recursive: true })
  for (const [file, text] of files) {
    const target = path.join(outDir, file)
    const formatted = await prettier.format(text, { ...config, filepath: target })
    writeFileSync(target, formatted)
  }
  const count = readdirSync(path.join(outDir, 'messages')).length
  process.stdout.write(
    `codegen: Kafka ${versions.kafka}: ${apis.length} APIs, ${count} message modules ` +
      `in ${path.relative(repoRoot, outDir)}\n`
  )
}

await main()
