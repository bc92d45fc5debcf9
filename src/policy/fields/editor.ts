// Field selection compiled once per policy, planned once per writer schema. Editing is sync (the
// hot path, on every door); the one async step, fetching a writer schema the first time its id is
// seen, is `prepare`, which a door awaits before `edit` only when it returns a promise. The plan
// follows schema evolution by itself: a new schema id that tags one more field gets a new plan.
import { GatewayError } from '../../core/errors.ts'
import { pointerTokens } from '../../core/records/json-pointer.ts'
import { parseAvro, type AvroType } from '../../schema/avro-types.ts'
import { BoundedMap } from '../../schema/lru.ts'
import type { SchemaFormat, SchemaSource } from '../../schema/types.ts'
import { frame, unframe } from '../../schema/wire-format.ts'
import { planPointer, planTags } from './avro-plan.ts'
import { avroFieldTags } from './avro-tags.ts'
import { planJsonPointer } from './json-pointer-plan.ts'
import { planJsonSchemaTags } from './json-schema-plan.ts'
import { checkJsonSchemaPointer } from './json-schema-pointer.ts'
import {
  sequence,
  type FieldEdit,
  type FieldSelection,
  type UnsupportedField,
  type ValueEncoding,
  type Visit,
} from './types.ts'

export interface FieldEditorOptions {
  /** The writer schema of a registry id, with the schemas it references (see registry-source.ts). */
  fetchSchema: (id: number) => Promise<SchemaSource>
  /** Told once per schema id of each tagged field whose type no edit can keep valid. */
  onUnsupported?: (field: UnsupportedField) => void
  /** Schema plans kept (least recently used forgotten first); default 1000. */
  maxSchemas?: number
}

type Plan =
  | { ok: true; format: SchemaFormat; avro?: AvroType; visit: Visit | undefined }
  | { ok: false; error: Error }

export class FieldEditor {
  readonly #tags: ReadonlySet<string>
  readonly #pointers: readonly string[]
  readonly #json: Visit | undefined
  readonly #options: FieldEditorOptions
  readonly #plans: BoundedMap<number, Plan>
  readonly #pending = new Map<number, Promise<void>>()

  /** Throws for a pointer that is not one (or is "", the whole value). */
  constructor(selection: FieldSelection, options: FieldEditorOptions) {
    this.#pointers = selection.pointers ?? []
    this.#tags = new Set(selection.tags ?? [])
    for (const p of this.#pointers) {
      if (pointerTokens(p).length === 0)
        throw new Error(`a field pointer names a field: "" is the whole value`)
    }
    this.#json = sequence(this.#pointers.map(planJsonPointer))
    this.#options = options
    this.#plans = new BoundedMap(options.maxSchemas ?? 1000)
  }

  /**
   * Makes `edit` ready for this value: for a registry value whose schema id is not planned yet,
   * fetches and plans the writer schema. Undefined when nothing needs fetching (no await needed).
   * Rejects when the schema cannot be fetched (retriable: the next call fetches again) or a
   * pointer does not fit it; throws invalid-record at once for a value not in the wire format.
   */
  prepare(value: Buffer, encoding: ValueEncoding): Promise<void> | undefined {
    if (encoding !== 'registry') return undefined
    const { schemaId } = unframe(value)
    const plan = this.#plans.get(schemaId)
    if (plan !== undefined) return plan.ok ? undefined : Promise.reject(plan.error)
    let pending = this.#pending.get(schemaId)
    if (pending === undefined) {
      pending = this.#options
        .fetchSchema(schemaId)
        .then((source) => this.#plans.set(schemaId, this.#plan(schemaId, source)))
        .finally(() => this.#pending.delete(schemaId))
      this.#pending.set(schemaId, pending)
    }
    return pending.then(() => {
      const planned = this.#plans.peek(schemaId)
      if (planned !== undefined && !planned.ok) throw planned.error
    })
  }

  /**
   * The value with its selected fields edited, in the same encoding (same schema id and framing);
   * undefined when no field was selected. Each field is edited once, even if selected twice.
   * Throws invalid-record for a value not in its encoding, or a pointer reaching a non-string.
   */
  edit(value: Buffer, encoding: ValueEncoding, edit: FieldEdit): Buffer | undefined {
    const done = new Set<string>()
    const once: FieldEdit = (field) => {
      if (done.has(field.path)) return field.value
      done.add(field.path)
      return edit(field)
    }
    if (encoding === 'json') {
      if (this.#json === undefined) return undefined
      const document = this.#visit(this.#json, parseJson(value), once)
      return done.size === 0 ? undefined : Buffer.from(JSON.stringify(document), 'utf8')
    }
    const { schemaId, payload } = unframe(value)
    const plan = this.#plans.get(schemaId)
    if (plan === undefined) {
      throw new GatewayError(
        'internal',
        `schema id ${schemaId} is not prepared: await prepare() first`
      )
    }
    if (!plan.ok) throw plan.error
    if (plan.visit === undefined) return undefined
    if (plan.avro !== undefined) {
      const decoded = decode(() => (plan.avro as AvroType).fromBuffer(payload), schemaId)
      const edited = this.#visit(plan.visit, decoded, once)
      return done.size === 0 ? undefined : frame(schemaId, plan.avro.toBuffer(edited))
    }
    const document = this.#visit(
      plan.visit,
      decode(() => parseJson(payload), schemaId),
      once
    )
    return done.size === 0
      ? undefined
      : frame(schemaId, Buffer.from(JSON.stringify(document), 'utf8'))
  }

  #visit(visit: Visit, value: unknown, edit: FieldEdit): unknown {
    return visit(value, '', edit)
  }

  #plan(schemaId: number, source: SchemaSource): Plan {
    const references = source.references ?? []
    const report = (field: string, type: string) =>
      this.#options.onUnsupported?.({ schemaId, field, type })
    try {
      if (source.format === 'json-schema') {
        for (const p of this.#pointers) checkJsonSchemaPointer(source.schema, references, p)
        const tags =
          this.#tags.size === 0
            ? undefined
            : planJsonSchemaTags(source.schema, references, this.#tags, report)
        return {
          ok: true,
          format: source.format,
          visit: sequence([this.#json, tags].filter((v) => v !== undefined)),
        }
      }
      const avro = parseAvro(source.schema, references)
      const visits = this.#pointers.map((p) => planPointer(avro, p))
      if (this.#tags.size > 0) {
        const fieldTags = avroFieldTags([...references.map((r) => r.schema), source.schema])
        const tagged = planTags(avro, fieldTags, this.#tags, report)
        if (tagged) visits.push(tagged)
      }
      return { ok: true, format: source.format, avro, visit: sequence(visits) }
    } catch (err) {
      const error =
        err instanceof GatewayError
          ? err
          : new GatewayError('internal', `schema id ${schemaId}: ${(err as Error).message}`, {
              cause: err,
            })
      return { ok: false, error }
    }
  }
}

// JSON.parse's source text access and JSON.rawJSON (V8, Node 24), missing from TypeScript's lib.
const json = JSON as unknown as { rawJSON(text: string): unknown }

/**
 * Keeps each number exactly as written: a number a double cannot hold (an id past 2^53) or
 * written another way (`1.0`) is carried as its source text, so editing one field of a document
 * never changes another.
 */
function exactNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  const source = context?.source
  return typeof value === 'number' && source !== undefined && String(value) !== source
    ? json.rawJSON(source)
    : value
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'), exactNumbers as never) as unknown
  } catch (err) {
    throw new GatewayError('invalid-record', `the value is not JSON: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

function decode<T>(read: () => T, schemaId: number): T {
  try {
    return read()
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw new GatewayError(
      'invalid-record',
      `cannot decode the value written with schema id ${schemaId}: ${(err as Error).message}`,
      { cause: err }
    )
  }
}

/** The suggested entry point: a selection compiled into an editor. */
export function compileFieldEdit(
  selection: FieldSelection,
  options: FieldEditorOptions
): FieldEditor {
  return new FieldEditor(selection, options)
}
