// Avro through avsc: compile a schema once into a codec that validates and encodes natural JSON
// (see avro-write.ts) and decodes binary back to JSON-friendly values (see avro-read.ts).
import type { Violation } from '../core/violation.ts'
import { compileReader } from './avro-read.ts'
import { parseAvro } from './avro-types.ts'
import { compileWriter } from './avro-write.ts'
import type { Codec, ReferencedSchema, WriteResult } from './types.ts'

/** Throws a plain Error (with avsc's reason) when the schema is not valid Avro. */
export function compileAvro(
  schema: string | object,
  references: readonly ReferencedSchema[] = []
): Codec {
  const type = parseAvro(schema, references)
  const writer = compileWriter(type)
  const reader = compileReader(type)

  const write = (value: unknown): WriteResult => {
    const violations: Violation[] = []
    const converted = writer(value, '', violations)
    if (violations.length > 0) return { ok: false, violations }
    try {
      return { ok: true, payload: type.toBuffer(converted) }
    } catch (err) {
      // The writer checks everything avsc does; this is a safety net, not a path.
      return { ok: false, violations: [{ path: '', message: (err as Error).message }] }
    }
  }

  return {
    format: 'avro',
    validate(value) {
      const violations: Violation[] = []
      writer(value, '', violations)
      return violations
    },
    write,
    read: (payload) => reader(type.fromBuffer(payload)),
  }
}
