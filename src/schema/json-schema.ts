// JSON Schema through ajv: draft-07 unless `$schema` names draft-06, 2019-09 or 2020-12; formats
// from ajv-formats; every error reported. A schema compiles once into a codec whose payload is
// the value as UTF-8 JSON text (what Confluent's JSON Schema serializers write).
import { Ajv, type AnySchema, type Options } from 'ajv'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' }
import formats from 'ajv-formats'
import type { Violation } from '../core/violation.ts'
import { toViolations } from './json-schema-errors.ts'
import type { Codec, ReferencedSchema, WriteResult } from './types.ts'

type Draft = 'draft-06' | 'draft-07' | '2019-09' | '2020-12'

const drafts: Record<string, Draft> = {
  'json-schema.org/draft-06/schema': 'draft-06',
  'json-schema.org/draft-07/schema': 'draft-07',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft/2020-12/schema': '2020-12',
}

const options: Options = {
  allErrors: true,
  // Registry schemas carry annotations ajv does not know (javaType, ...); they are not errors.
  strict: false,
  // Puts the offending value on each error, for messages.
  verbose: true,
  logger: false,
}

/** The draft a schema declares; throws for drafts ajv cannot validate. */
export function draftOf(schema: unknown): Draft {
  const declared = (schema as { $schema?: unknown } | null)?.$schema
  if (typeof declared !== 'string') return 'draft-07'
  const key = declared.replace(/^https?:\/\//, '').replace(/#$/, '')
  const draft = Object.hasOwn(drafts, key) ? drafts[key] : undefined
  if (!draft) {
    throw new Error(
      `$schema "${declared}" is not supported (use draft-06, draft-07, 2019-09 or 2020-12)`
    )
  }
  return draft
}

function newAjv(draft: Draft): Ajv {
  const ajv =
    draft === '2020-12'
      ? new Ajv2020(options)
      : draft === '2019-09'
        ? new Ajv2019(options)
        : new Ajv(options)
  if (draft === 'draft-06') ajv.addMetaSchema(draft06)
  formats.default(ajv)
  return ajv
}

function parse(schema: string | object): AnySchema {
  if (typeof schema !== 'string') return schema as AnySchema
  try {
    return JSON.parse(schema) as AnySchema
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err })
  }
}

/** Throws a plain Error (with ajv's reason) when the schema is not a valid JSON Schema. */
export function compileJsonSchema(
  schema: string | object,
  references: readonly ReferencedSchema[] = []
): Codec {
  const document = parse(schema)
  // One ajv per schema: versions of a subject often share an `$id`, which one ajv cannot hold.
  const ajv = newAjv(draftOf(document))
  for (const ref of references) ajv.addSchema(parse(ref.schema), ref.name)
  const check = ajv.compile(document)

  const validate = (value: unknown): Violation[] => {
    if (value === undefined) return [{ path: '', message: 'expected a JSON value, got nothing' }]
    return check(value) ? [] : toViolations(check.errors ?? [])
  }

  return {
    format: 'json-schema',
    validate,
    write(value, headroom = 0): WriteResult {
      const violations = validate(value)
      if (violations.length > 0) return { ok: false, violations }
      try {
        const text = JSON.stringify(value)
        if (headroom === 0) return { ok: true, payload: Buffer.from(text, 'utf8') }
        const payload = Buffer.allocUnsafe(headroom + Buffer.byteLength(text))
        payload.write(text, headroom, 'utf8')
        return { ok: true, payload }
      } catch (err) {
        return { ok: false, violations: [{ path: '', message: (err as Error).message }] }
      }
    },
    read: (payload) => JSON.parse(payload.toString('utf8')) as unknown,
  }
}
