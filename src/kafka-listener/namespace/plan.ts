// Plans: for one API, version and direction, the walk over exactly the fields that can hold a
// namespaced name, derived from the message schema (Kafka's own specs) plus the fields roles.ts
// adds. Compiled on first use and kept; an API with no such field gets no plan, so its messages
// cost one array lookup.
import { messageSchemas, type MessageSchema } from '../../protocol/index.ts'
import { roleOf } from './roles.ts'
import { arrayStep, fieldStep, structStep, type Direction, type Visit } from './steps.ts'

export interface Plan {
  readonly visit: Visit
  /** `Struct.field` of every name-bearing field the walk visits, for the coverage test. */
  readonly fields: readonly string[]
}

let messages: Record<Direction, MessageSchema[]> | undefined

function messageFor(direction: Direction, apiKey: number): MessageSchema | undefined {
  if (messages === undefined) {
    const index: Record<Direction, MessageSchema[]> = { request: [], response: [] }
    for (const message of Object.values(messageSchemas)) {
      if (message.apiKey === undefined || message.kind === 'header') continue
      index[message.kind][message.apiKey] = message
    }
    messages = index
  }
  return messages[direction][apiKey]
}

function inRange(range: readonly [number, number], version: number): boolean {
  return version >= range[0] && version <= range[1]
}

function compileStruct(
  message: MessageSchema,
  struct: string,
  version: number,
  direction: Direction,
  inArray: boolean,
  fields: string[]
): Visit | undefined {
  // A struct's own names come first: a response element naming something hidden is dropped
  // before anything nested in it is looked at.
  const own: Visit[] = []
  const nested: Visit[] = []
  for (const field of message.structs[struct] ?? []) {
    if (!inRange(field.versions, version)) continue
    const role = roleOf(message.name, struct, field)
    if (role !== undefined) {
      if (field.type !== 'string' && field.type !== '[]string') {
        throw new Error(`${message.name}.${struct}.${field.name} is a ${field.type}, not a name`)
      }
      own.push(fieldStep(field, role, version, direction, inArray))
      fields.push(`${struct}.${field.name}`)
      continue
    }
    const isArray = field.type.startsWith('[]')
    const element = isArray ? field.type.slice(2) : field.type
    if (!(element in message.structs)) continue
    const visit = compileStruct(message, element, version, direction, isArray, fields)
    if (visit !== undefined)
      nested.push(isArray ? arrayStep(field.name, visit) : structStep(field.name, visit))
  }
  const steps = [...own, ...nested]
  if (steps.length <= 1) return steps[0]
  return (value, ctx) => {
    for (const step of steps) if (!step(value, ctx)) return false
    return true
  }
}

function compile(direction: Direction, apiKey: number, version: number): Plan | null {
  const message = messageFor(direction, apiKey)
  if (message === undefined || !inRange(message.validVersions, version)) return null
  const fields: string[] = []
  const visit = compileStruct(message, message.name, version, direction, false, fields)
  return visit === undefined ? null : { visit, fields }
}

/** By direction, API key and version: a plan, null for none needed, undefined until compiled. */
const plans: Record<Direction, (Plan | null | undefined)[][]> = { request: [], response: [] }

export function planFor(direction: Direction, apiKey: number, version: number): Plan | null {
  const byVersion = (plans[direction][apiKey] ??= [])
  let plan = byVersion[version]
  if (plan === undefined) {
    plan = compile(direction, apiKey, version)
    byVersion[version] = plan
  }
  return plan
}

/** Whether any version of the API's request or response carries a namespaced name. */
export function carriesNames(apiKey: number): boolean {
  for (const direction of ['request', 'response'] as const) {
    const message = messageFor(direction, apiKey)
    if (message === undefined) continue
    const [min, max] = message.validVersions
    for (let version = min; version <= max; version++) {
      if (planFor(direction, apiKey, version) !== null) return true
    }
  }
  return false
}
