import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FieldEditor, openFields, sealFields } from '../../../src/policy/fields/index.ts'
import { compileAvro, frame, unframe } from '../../../src/schema/index.ts'
import type { SchemaSource } from '../../../src/schema/index.ts'

const seal = (plain: Buffer, aad: Buffer) => Buffer.concat([aad, Buffer.from([0]), plain])
const open = (sealed: Buffer, aad: Buffer) => {
  if (!sealed.subarray(0, aad.length).equals(aad)) throw new Error('wrong aad')
  return sealed.subarray(aad.length + 1)
}

async function editor(source: SchemaSource, selection: { tags?: string[]; pointers?: string[] }) {
  const e = new FieldEditor(selection, { fetchSchema: () => Promise.resolve(source) })
  await e.prepare(frame(5, Buffer.alloc(0)), 'registry')
  return e
}
function encode(source: SchemaSource, value: unknown): Buffer {
  const written = compileAvro(source.schema, source.references).write(value)
  if (!written.ok) throw new Error(JSON.stringify(written.violations))
  return frame(5, written.payload)
}
const paths = (e: FieldEditor, value: Buffer) => {
  const seen: string[] = []
  e.edit(value, 'registry', (f) => (seen.push(f.path), f.value))
  return seen
}

describe('Avro shapes', () => {
  it('follows a recursive record (a linked list) to any depth', async () => {
    const node = {
      type: 'record',
      name: 'Node',
      namespace: 'acme',
      fields: [
        { name: 'label', type: 'string', 'confluent:tags': ['PII'] },
        { name: 'next', type: ['null', 'Node'], default: null },
      ],
    }
    const source: SchemaSource = { format: 'avro', schema: JSON.stringify(node) }
    const e = await editor(source, { tags: ['PII'] })
    const list = { label: 'a', next: { label: 'b', next: { label: 'c', next: null } } }
    expect(paths(e, encode(source, list))).toEqual(['/label', '/next/label', '/next/next/label'])
  })

  it('reads tags in referenced schemas (Confluent schema references)', async () => {
    const address = {
      type: 'record',
      name: 'Address',
      namespace: 'acme.common',
      fields: [{ name: 'street', type: 'string', 'confluent:tags': ['PII'] }],
    }
    const order = {
      type: 'record',
      name: 'Order',
      namespace: 'acme',
      fields: [{ name: 'shipTo', type: 'acme.common.Address' }],
    }
    const source: SchemaSource = {
      format: 'avro',
      schema: JSON.stringify(order),
      references: [
        { name: 'acme.common.Address', format: 'avro', schema: JSON.stringify(address) },
      ],
    }
    const e = await editor(source, { tags: ['PII'] })
    expect(paths(e, encode(source, { shipTo: { street: '1 Main St' } }))).toEqual([
      '/shipTo/street',
    ])
  })

  it('reports a tagged uuid rather than break its logical type', async () => {
    const schema = {
      type: 'record',
      name: 'R',
      fields: [
        { name: 'id', type: { type: 'string', logicalType: 'uuid' }, 'confluent:tags': ['PII'] },
      ],
    }
    const reported: string[] = []
    const e = new FieldEditor(
      { tags: ['PII'] },
      {
        fetchSchema: () => Promise.resolve({ format: 'avro', schema: JSON.stringify(schema) }),
        onUnsupported: (f) => reported.push(`${f.field}: ${f.type}`),
      }
    )
    await e.prepare(frame(5, Buffer.alloc(0)), 'registry')
    expect(reported).toEqual(['R.id: string (uuid)'])
  })

  it('seal then open restores any record, and the sealed one decodes with the same schema (property)', async () => {
    const schema = {
      type: 'record',
      name: 'P',
      fields: [
        { name: 's', type: 'string', 'confluent:tags': ['PII'] },
        { name: 'b', type: 'bytes', 'confluent:tags': ['PII'] },
        {
          name: 'xs',
          type: { type: 'array', items: ['null', 'string'] },
          'confluent:tags': ['PII'],
        },
      ],
    }
    const source: SchemaSource = { format: 'avro', schema: JSON.stringify(schema) }
    const codec = compileAvro(schema)
    const e = await editor(source, { tags: ['PII'] })
    fc.assert(
      fc.property(
        fc.string(),
        fc.uint8Array(),
        fc.array(fc.option(fc.string(), { nil: null })),
        (s, b, xs) => {
          const value = encode(source, { s, b: Buffer.from(b).toString('base64'), xs })
          const sealed = e.edit(value, 'registry', sealFields(seal)) as Buffer
          const read = codec.read(unframe(sealed).payload) as { s: string }
          expect(read.s.startsWith('weir-enc:v1:')).toBe(true)
          expect(e.edit(sealed, 'registry', openFields(open))?.equals(value)).toBe(true)
        }
      )
    )
  })
})

describe('JSON Schema values by pointer', () => {
  it('edits the pointed field of a framed JSON Schema value, keeping the framing', async () => {
    const schema = { type: 'object', properties: { email: { type: 'string' } } }
    const e = await editor(
      { format: 'json-schema', schema: JSON.stringify(schema) },
      { pointers: ['/email'] }
    )
    const value = frame(5, Buffer.from('{"email":"jane@example.com","n":1}'))
    const out = e.edit(value, 'registry', () => 'x') as Buffer
    expect(unframe(out).schemaId).toBe(5)
    expect(JSON.parse(unframe(out).payload.toString())).toEqual({ email: 'x', n: 1 })
  })
})
