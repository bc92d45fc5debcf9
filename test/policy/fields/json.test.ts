import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FieldEditor, openFields, sealFields } from '../../../src/policy/fields/index.ts'
import type { FieldSelection, UnsupportedField } from '../../../src/policy/fields/index.ts'
import { compileJsonSchema, frame, unframe } from '../../../src/schema/index.ts'
import type { SchemaSource } from '../../../src/schema/index.ts'

// Confluent data contracts tag a JSON Schema property: `"confluent:tags": ["PII"]`.
const address = {
  type: 'object',
  properties: {
    street: { type: 'string', 'confluent:tags': ['PII'] },
    city: { type: 'string' },
  },
  required: ['street', 'city'],
}
const order = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  definitions: { card: { type: 'string', pattern: '^[^ ]+$', 'confluent:tags': ['PCI'] } },
  properties: {
    id: { type: 'integer' },
    email: { type: ['string', 'null'], 'confluent:tags': ['PII'] },
    age: { type: 'integer', 'confluent:tags': ['PII'] },
    card: { $ref: '#/definitions/card' },
    shipTo: { $ref: 'Address' }, // a Confluent schema reference, by name
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sku: { type: 'string' },
          giftNote: { type: 'string', 'confluent:tags': ['PII'] },
        },
      },
    },
    phones: { type: 'array', items: { type: 'string' }, 'confluent:tags': ['PII'] },
    contact: { oneOf: [{ type: 'null' }, { type: 'string', 'confluent:tags': ['PII'] }] },
  },
  required: ['id'],
}
const references = [
  { name: 'Address', format: 'json-schema' as const, schema: JSON.stringify(address) },
]
const sources = new Map<number, SchemaSource>([
  [3, { format: 'json-schema', schema: JSON.stringify(order), references }],
])
const fetchSchema = (id: number) => Promise.resolve(sources.get(id) as SchemaSource)

const document = {
  id: 1,
  email: 'jane@example.com',
  age: 41,
  card: '4111111111111111',
  shipTo: { street: '1 Main St', city: 'Springfield' },
  lines: [{ sku: 'a', giftNote: 'happy birthday' }, { sku: 'b' }],
  phones: ['+1 555 0100'],
  contact: 'by mail',
}
const framed = (value: unknown) => frame(3, Buffer.from(JSON.stringify(value), 'utf8'))
const seal = (plain: Buffer, aad: Buffer) => Buffer.concat([aad, Buffer.from([0]), plain])
const open = (sealed: Buffer, aad: Buffer) => sealed.subarray(aad.length + 1)

async function run(selection: FieldSelection, value: Buffer) {
  const unsupported: UnsupportedField[] = []
  const editor = new FieldEditor(selection, {
    fetchSchema,
    onUnsupported: (f) => unsupported.push(f),
  })
  await editor.prepare(value, 'registry')
  const paths: string[] = []
  const out = editor.edit(value, 'registry', (f) => (paths.push(f.path), sealFields(seal)(f)))
  return { editor, out: out as Buffer, paths, unsupported }
}

describe('JSON Schema fields by tag', () => {
  it('edits tagged properties through $ref, references, arrays and oneOf', async () => {
    const { out, paths, unsupported } = await run({ tags: ['PII', 'PCI'] }, framed(document))
    expect(paths.sort()).toEqual([
      '/card',
      '/contact',
      '/email',
      '/lines/0/giftNote',
      '/phones/0',
      '/shipTo/street',
    ])
    expect(unsupported).toEqual([{ schemaId: 3, field: '/age', type: 'integer' }])
    expect(unframe(out).schemaId).toBe(3)
    const edited = JSON.parse(unframe(out).payload.toString()) as typeof document
    expect(edited.shipTo.city).toBe('Springfield')
    expect(edited.email).toMatch(/^weir-enc:v1:[A-Za-z0-9_-]+$/)
  })

  it('keeps the document valid for its schema (the card pattern holds: no spaces in base64url)', async () => {
    const { out } = await run({ tags: ['PII', 'PCI'] }, framed(document))
    const codec = compileJsonSchema(order, references)
    expect(codec.validate(JSON.parse(unframe(out).payload.toString()))).toEqual([])
  })

  it('leaves null in a nullable tagged field', async () => {
    const { paths } = await run(
      { tags: ['PII'] },
      framed({ ...document, email: null, contact: null })
    )
    expect(paths).not.toContain('/email')
    expect(paths).not.toContain('/contact')
  })

  it('opens what it sealed', async () => {
    const value = framed(document)
    const { editor, out } = await run({ tags: ['PII', 'PCI'] }, value)
    expect(editor.edit(out, 'registry', openFields(open))?.equals(value)).toBe(true)
  })
})

describe('JSON Schema fields by pointer', () => {
  it('refuses, for the schema, a pointer to a field declared as another type than string', async () => {
    const editor = new FieldEditor({ pointers: ['/shipTo/street', '/age'] }, { fetchSchema })
    await expect(editor.prepare(framed(document), 'registry')).rejects.toThrow(
      'field /age is of type integer; only string fields can be edited'
    )
  })

  it('accepts pointers through $ref, references and arrays, and edits them', async () => {
    const pointers = ['/card', '/shipTo/street', '/lines/0/giftNote', '/contact']
    const { paths } = await run({ pointers }, framed(document))
    expect(paths).toEqual(pointers)
  })
})

describe('JSON Schema bytes (contentEncoding base64)', () => {
  it('edits them as bytes and writes base64 back, as Confluent encrypts them', async () => {
    const schema = {
      type: 'object',
      properties: {
        blob: { type: 'string', contentEncoding: 'base64', 'confluent:tags': ['PII'] },
      },
    }
    const editor = new FieldEditor(
      { tags: ['PII'] },
      { fetchSchema: () => Promise.resolve({ format: 'json-schema', schema }) }
    )
    const value = frame(
      4,
      Buffer.from(JSON.stringify({ blob: Buffer.from('clear').toString('base64') }))
    )
    await editor.prepare(value, 'registry')
    const seen: unknown[] = []
    const out = editor.edit(value, 'registry', (f) => (seen.push(f.value), Buffer.from('sealed')))
    expect(seen).toEqual([Buffer.from('clear')])
    expect(JSON.parse(unframe(out as Buffer).payload.toString())).toEqual({
      blob: Buffer.from('sealed').toString('base64'),
    })
  })
})

describe('plain JSON fields by pointer', () => {
  const editor = new FieldEditor(
    { pointers: ['/email', '/lines/0/giftNote', '/missing'] },
    { fetchSchema }
  )
  const json = Buffer.from(JSON.stringify(document))

  it('edits strings a pointer names, and nothing else', () => {
    const out = editor.edit(json, 'json', ({ value }) => `<${String(value)}>`)
    const edited = JSON.parse(String(out)) as typeof document
    expect(edited.email).toBe('<jane@example.com>')
    expect(edited.lines[0]?.giftNote).toBe('<happy birthday>')
    expect(edited.card).toBe(document.card)
  })

  it('refuses a record where the pointer reaches a non-string', () => {
    const ages = new FieldEditor({ pointers: ['/age'] }, { fetchSchema })
    expect(() => ages.edit(json, 'json', (f) => f.value)).toThrow(
      'field /age is a number; only string fields can be encrypted or masked'
    )
  })

  it('keeps every other number exactly as written (past 2^53, 1.0)', () => {
    const text = '{"id":12345678901234567890,"price":1.0,"email":"a@example.com","n":[2.50]}'
    const out = editor.edit(Buffer.from(text), 'json', () => 'x')
    expect(String(out)).toBe('{"id":12345678901234567890,"price":1.0,"email":"x","n":[2.50]}')
  })

  it('names a big number at a pointer a number', () => {
    const ids = new FieldEditor({ pointers: ['/id'] }, { fetchSchema })
    expect(() =>
      ids.edit(Buffer.from('{"id":12345678901234567890}'), 'json', (f) => f.value)
    ).toThrow('field /id is a number')
  })

  it('refuses a value that is not JSON', () => {
    expect(() => editor.edit(Buffer.from('{nope'), 'json', (f) => f.value)).toThrow(
      /the value is not JSON/
    )
  })

  it('refuses an edit that changes a field’s kind', () => {
    expect(() => editor.edit(json, 'json', () => Buffer.from('x'))).toThrow(
      'the edit of field /email returned bytes, not string'
    )
  })

  it('seal then open restores any JSON document (property)', () => {
    const anyEditor = new FieldEditor({ pointers: ['/a', '/b/0'] }, { fetchSchema })
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.string(), { minLength: 1 }),
        fc.jsonValue(),
        (a, b, c) => {
          const value = Buffer.from(JSON.stringify({ a, b, c }))
          const sealed = anyEditor.edit(value, 'json', sealFields(seal)) as Buffer
          const doc = JSON.parse(String(sealed)) as { a: string }
          expect(doc.a).toMatch(/^weir-enc:v1:/)
          expect(anyEditor.edit(sealed, 'json', openFields(open))?.equals(value)).toBe(true)
        }
      )
    )
  })
})
