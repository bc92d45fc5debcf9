// Avro through avsc: compile a schema once into a codec that validates and encodes natural JSON
// (see avro-write.ts) and decodes binary back to JSON-friendly values (see avro-read.ts).
import type { Violation } from '../core/violation.ts'
import { compileReader } from './avro-read.ts'
import { parseAvro, type AvroType } from './avro-types.ts'
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

  const write = (value: unknown, headroom = 0): WriteResult => {
    const violations: Violation[] = []
    const converted = writer(value, '', violations)
    if (violations.length > 0) return { ok: false, violations }
    try {
      return { ok: true, payload: encodeAvro(type, converted, headroom) }
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

// avsc's toBuffer writes into its own 1 KiB buffer (a record over 1 KiB is written twice), then
// copies that into a zero-filled buffer, which framing copied once more. Records are written here
// into one scratch buffer that grows to the largest record seen (within a bound), then copied once
// into a buffer of their own.
const scratchMax = 1024 * 1024
let scratch = Buffer.allocUnsafeSlow(64 * 1024)

/** `value` (as the writer converted it) in Avro binary, after `headroom` unwritten bytes. */
export function encodeAvro(type: AvroType, value: unknown, headroom = 0): Buffer {
  let end = type.encode(value, scratch, headroom)
  if (end < 0) {
    // encode answers how many bytes were missing (and wrote nothing past the end).
    const needed = scratch.length - end
    if (needed > scratchMax) {
      const own = Buffer.allocUnsafe(needed)
      type.encode(value, own, headroom)
      return own
    }
    scratch = Buffer.allocUnsafeSlow(Math.min(scratchMax, Math.max(needed, 2 * scratch.length)))
    end = type.encode(value, scratch, headroom)
  }
  const out = Buffer.allocUnsafe(end)
  scratch.copy(out, headroom, headroom, end)
  return out
}
