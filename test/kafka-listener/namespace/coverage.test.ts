// Nothing leaks by omission. Every API of the codec is classified (namespaced, unsafe, or known
// to carry no names); every field Kafka's specs mark as a topic, group or transactional id is
// rewritten in every version, however deeply nested, unless its API is unsafe; the unannotated
// fields that look like names have been reviewed; and the special cases still name real fields.
// A new Kafka release (a new API, a new name field, a renamed one) fails here until handled.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  namespaceApiCap,
  namespacedApiKeys,
  rewriteRequest,
  rewriteResponse,
  unsafeApis,
} from '../../../src/kafka-listener/namespace/index.ts'
import { planFor } from '../../../src/kafka-listener/namespace/plan.ts'
import { specialFields } from '../../../src/kafka-listener/namespace/roles.ts'
import {
  apiByKey,
  messageSchemas,
  type FieldSchema,
  type MessageSchema,
} from '../../../src/protocol/index.ts'
import { createNameMapper, nameKinds, type NameKind } from '../../../src/namespace/index.ts'
import { MessageArbitraries } from '../../protocol/support/arbitraries.ts'
import { encode, schemaOf, type Direction } from './messages.ts'

/** APIs that carry no topic, group or transactional id at all, and why that is so. */
const nameless: Record<number, string> = {
  17: 'SaslHandshake: mechanism names',
  18: 'ApiVersions: API keys and feature names',
  36: 'SaslAuthenticate: opaque SASL bytes',
  60: 'DescribeCluster: brokers and the cluster id (other filters rewrite those)',
  71: 'GetTelemetrySubscriptions: metric name prefixes',
  72: 'PushTelemetry: client metrics',
}

/**
 * Unannotated fields whose names suggest they might hold a name, reviewed: each holds something
 * else, or names in the client's own view that the broker never interprets.
 */
const reviewed: Record<string, string> = {
  groupInstanceId: 'a static member id, unique within its (namespaced) group only',
  committedMetadata: 'free text a consumer attaches to an offset',
  metadata:
    "offset metadata text, or a member's embedded consumer-protocol subscription, which the " +
    'broker relays between members of one group without reading it (client names throughout)',
  assignment: 'an embedded consumer-protocol assignment, relayed likewise',
  memberMetadata: 'the embedded subscription, as above',
  memberAssignment: 'the embedded assignment, as above',
  groupState: "a group state's name",
  groupType: "a group type's name (classic, consumer, share, streams)",
  protocolData: "the chosen assignor's name",
  configurationKeys: 'config names',
  key: 'a topic config or client tag name (StreamsGroup KeyValue)',
}
const suspicious =
  /topic|group|transactional|resource|^key$|keys|regex|pattern|cursor|assignment|metadata|protocolData/i

type Range = readonly [number, number]
const within = (range: Range, v: number): boolean => v >= range[0] && v <= range[1]
const isName = (field: FieldSchema): boolean =>
  nameKinds.includes(field.entityType as NameKind) &&
  (field.type === 'string' || field.type === '[]string')

const apiMessages = Object.values(messageSchemas).filter(
  (m): m is MessageSchema & { apiKey: number } => m.apiKey !== undefined
)
const versionsOf = (m: MessageSchema): number[] =>
  Array.from(
    { length: m.validVersions[1] - m.validVersions[0] + 1 },
    (_, i) => m.validVersions[0] + i
  )
const directionOf = (m: MessageSchema): Direction => (m.kind === 'request' ? 'request' : 'response')

/** Calls `visit` with every struct value and name field of `value`, as the schema lays it out. */
function eachName(
  schema: MessageSchema,
  struct: string,
  v: number,
  value: Record<string, unknown>,
  visit: (holder: Record<string, unknown>, field: FieldSchema) => void
): void {
  for (const field of schema.structs[struct] ?? []) {
    if (!within(field.versions, v)) continue
    if (isName(field)) {
      visit(value, field)
      continue
    }
    const element = field.type.replace(/^\[\]/, '')
    const nested = value[field.name]
    if (!(element in schema.structs) || nested == null) continue
    const items = Array.isArray(nested) ? nested : [nested]
    for (const item of items) eachName(schema, element, v, item as Record<string, unknown>, visit)
  }
}

/** Every name value, flattened in schema order (null for a null name or list). */
function names(schema: MessageSchema, v: number, body: unknown): (string | null)[] {
  const out: (string | null)[] = []
  eachName(schema, schema.name, v, body as Record<string, unknown>, (holder, field) => {
    const value = holder[field.name] as string | string[] | null
    if (Array.isArray(value)) out.push(...value)
    else out.push(value)
  })
  return out
}

/** Structs paths (`Struct.field`) of the name fields reachable at `v`. */
function nameFields(schema: MessageSchema, v: number): string[] {
  const out = new Set<string>()
  const walk = (struct: string): void => {
    for (const field of schema.structs[struct] ?? []) {
      if (!within(field.versions, v)) continue
      if (isName(field)) out.add(`${struct}.${field.name}`)
      const element = field.type.replace(/^\[\]/, '')
      if (element in schema.structs) walk(element)
    }
  }
  walk(schema.name)
  return [...out]
}

describe('API classification', () => {
  it('puts every API of the codec in exactly one class', () => {
    for (const api of apiByKey.values()) {
      const unsafe = unsafeApis.has(api.key)
      const named = namespacedApiKeys().has(api.key) && !unsafe
      const none = nameless[api.key] !== undefined
      expect([api.name, Number(unsafe) + Number(named) + Number(none)]).toEqual([api.name, 1])
    }
  })

  it('gives every unsafe API a reason, and removes it from ApiVersions', () => {
    for (const [key, reason] of unsafeApis) {
      expect(apiByKey.has(key)).toBe(true)
      expect(reason.startsWith(`${apiByKey.get(key)?.name}: `)).toBe(true)
      expect(namespaceApiCap(key)).toBe('remove')
    }
    expect(namespaceApiCap(0)).toBeUndefined()
  })

  it('lists nameless APIs that really carry no annotated names', () => {
    for (const key of Object.keys(nameless).map(Number)) {
      for (const direction of ['request', 'response'] as const) {
        const schema = schemaOf(direction, key)
        for (const v of versionsOf(schema)) expect(nameFields(schema, v)).toEqual([])
      }
    }
  })
})

describe('annotated names', () => {
  const rows = apiMessages
    .filter((m) => !unsafeApis.has(m.apiKey))
    .flatMap((m) => versionsOf(m).map((v) => [m.name, v, m] as const))
    .filter(([, v, m]) => nameFields(m, v).length > 0)

  it('are all in the plan of their version', () => {
    for (const [, v, m] of rows) {
      const plan = planFor(directionOf(m), m.apiKey, v)
      const planned = new Set(plan?.fields)
      for (const field of nameFields(m, v))
        expect([m.name, v, planned.has(field)]).toEqual([m.name, v, true])
    }
  })

  const mapper = createNameMapper({ prefix: 't1.', hidePrefix: true })

  it.each(rows)('%s v%i: requests name the backend, responses the client', (_name, v, m) => {
    const direction = directionOf(m)
    const arbitrary = new MessageArbitraries(m, v, { unknownTags: false }).message()
    fc.assert(
      fc.property(arbitrary, (body) => {
        if (direction === 'request') {
          const before = names(m, v, body)
          const { outside } = rewriteRequest(m.apiKey, v, body as object, mapper)
          // Special cases may refuse other things (a delete by id, a share key); never a name.
          expect(outside.filter((o) => nameKinds.includes(o.kind as NameKind))).toEqual([])
          expect(names(m, v, body)).toEqual(before.map((n) => (n === null ? n : `t1.${n}`)))
        } else {
          // Hidden from the tenant, every name goes: elements dropped, lone names blanked.
          const hiddenBody = structuredClone(body)
          rewriteResponse(m.apiKey, v, hiddenBody as object, mapper)
          for (const n of names(m, v, hiddenBody)) expect(n === null || n === '').toBe(true)
          expect(() => encode(direction, m.apiKey, v, hiddenBody)).not.toThrow()
          // Visible, every name comes back as the client knows it, and nothing is dropped.
          const before = names(m, v, body)
          eachName(m, m.name, v, body as Record<string, unknown>, (holder, field) => {
            const value = holder[field.name] as string | string[] | null
            if (Array.isArray(value)) holder[field.name] = value.map((n) => `t1.${n}`)
            else if (value !== null) holder[field.name] = `t1.${value}`
          })
          rewriteResponse(m.apiKey, v, body as object, mapper)
          expect(names(m, v, body)).toEqual(before)
        }
        expect(() => encode(direction, m.apiKey, v, body)).not.toThrow()
      }),
      { numRuns: 15 }
    )
  })
})

describe('unannotated fields', () => {
  it('that look like names have been reviewed, or are special cases', () => {
    const unreviewed: string[] = []
    for (const m of apiMessages) {
      if (unsafeApis.has(m.apiKey)) continue
      for (const [struct, fields] of Object.entries(m.structs)) {
        for (const field of fields) {
          if (field.entityType || !['string', '[]string', 'bytes'].includes(field.type)) continue
          if (!suspicious.test(field.name)) continue
          const key = `${m.name}.${struct}.${field.name}`
          if (!specialFields.has(key) && reviewed[field.name] === undefined) unreviewed.push(key)
        }
      }
    }
    expect(unreviewed).toEqual([])
  })

  it('handled as special cases still exist, as strings of the right kind', () => {
    for (const key of specialFields.keys()) {
      const [message, struct, name] = key.split('.') as [string, string, string]
      const field = messageSchemas[message]?.structs[struct]?.find((f) => f.name === name)
      expect([key, field?.type]).toEqual([key, expect.stringMatching(/^(\[\])?string$/)])
      expect([key, field?.entityType]).toEqual([key, undefined])
    }
  })
})
