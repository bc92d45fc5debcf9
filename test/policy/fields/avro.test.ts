import { describe, expect, it } from 'vitest'
import {
  FieldEditor,
  openFields,
  sealFields,
  isSealedString,
} from '../../../src/policy/fields/index.ts'
import type { UnsupportedField } from '../../../src/policy/fields/index.ts'
import { compileAvro, frame, unframe } from '../../../src/schema/index.ts'
import type { SchemaSource } from '../../../src/schema/index.ts'

// A registry-style Avro schema tagged as Confluent data contracts tag fields.
const v1 = {
  type: 'record',
  name: 'Customer',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'nickname', type: ['null', 'string'], default: null, 'confluent:tags': ['PII'] },
    { name: 'age', type: 'int', 'confluent:tags': ['PII'] },
    { name: 'token', type: 'bytes', 'confluent:tags': ['SECRET'] },
    {
      name: 'address',
      type: {
        type: 'record',
        name: 'Address',
        fields: [
          { name: 'street', type: 'string', 'confluent:tags': ['PII'] },
          { name: 'city', type: 'string' },
        ],
      },
    },
    { name: 'previous', type: { type: 'array', items: 'Address' } },
    { name: 'billing', type: ['null', 'Address'], default: null },
    { name: 'emails', type: { type: 'array', items: 'string' }, 'confluent:tags': ['PII'] },
    { name: 'notes', type: { type: 'map', values: 'string' } },
  ],
}
// v2 tags one more field: the city.
const v2 = structuredClone(v1)
const address = (v2.fields[5]?.type as { fields: Record<string, unknown>[] }).fields[1]
if (address) address['confluent:tags'] = ['PII']

const customer = {
  id: 7,
  name: 'Jane Doe',
  nickname: 'jd',
  age: 41,
  token: 'AAEC', // bytes, base64 in Weir's natural JSON
  address: { street: '1 Main St', city: 'Springfield' },
  previous: [{ street: '2 Elm St', city: 'Shelbyville' }],
  billing: { street: '3 Oak St', city: 'Capital City' },
  emails: ['jane@example.com', 'j@example.org'],
  notes: { vip: 'yes' },
}

const sources = new Map<number, SchemaSource>([
  [1, { format: 'avro', schema: JSON.stringify(v1) }],
  [2, { format: 'avro', schema: JSON.stringify(v2) }],
])
const fetchSchema = (id: number) => {
  const found = sources.get(id)
  return found ? Promise.resolve(found) : Promise.reject(new Error(`no schema ${id}`))
}
const encode = (id: number, schema: object, value: unknown) => {
  const written = compileAvro(schema).write(value)
  if (!written.ok) throw new Error(JSON.stringify(written.violations))
  return frame(id, written.payload)
}
const decode = (schema: object, bytes: Buffer) => compileAvro(schema).read(unframe(bytes).payload)

// A reversible stand-in for encryption: reverses the bytes and binds the AAD by prefixing it.
const seal = (plain: Buffer, aad: Buffer) =>
  Buffer.concat([aad, Buffer.from([0]), Buffer.from(plain).reverse()])
const open = (sealed: Buffer, aad: Buffer) => {
  if (!sealed.subarray(0, aad.length).equals(aad)) throw new Error('wrong aad')
  return Buffer.from(sealed.subarray(aad.length + 1)).reverse()
}

async function edited(selection: ConstructorParameters<typeof FieldEditor>[0], value: Buffer) {
  const unsupported: UnsupportedField[] = []
  const editor = new FieldEditor(selection, {
    fetchSchema,
    onUnsupported: (f) => unsupported.push(f),
  })
  await editor.prepare(value, 'registry')
  const paths: string[] = []
  const out = editor.edit(value, 'registry', (field) => {
    paths.push(field.path)
    return sealFields(seal)(field)
  })
  return { editor, out, paths, unsupported }
}

describe('Avro fields by tag', () => {
  it('edits every tagged string and bytes field, nested, in arrays and unions, and stays valid', async () => {
    const value = encode(1, v1, customer)
    const { out, paths, unsupported } = await edited({ tags: ['PII', 'SECRET'] }, value)
    expect(paths.sort()).toEqual(
      [
        '/name',
        '/nickname',
        '/token',
        '/address/street',
        '/previous/0/street',
        '/billing/street',
        '/emails/0',
        '/emails/1',
      ].sort()
    )
    expect(unframe(out as Buffer).schemaId).toBe(1)
    const read = decode(v1, out as Buffer) as typeof customer
    expect(isSealedString(read.name)).toBe(true)
    expect(isSealedString(read.address.street)).toBe(true)
    expect(read.address.city).toBe('Springfield')
    expect(read.age).toBe(41)
    expect(read.notes).toEqual({ vip: 'yes' })
    expect(unsupported).toEqual([{ schemaId: 1, field: 'com.acme.Customer.age', type: 'int' }])
  })

  it('opens what it sealed, back to the same bytes', async () => {
    const value = encode(1, v1, customer)
    const { editor, out } = await edited({ tags: ['PII', 'SECRET'] }, value)
    expect(editor.edit(out as Buffer, 'registry', openFields(open))).toEqual(value)
  })

  it('passes a null union branch through', async () => {
    const value = encode(1, v1, { ...customer, nickname: null, billing: null })
    const { out, paths } = await edited({ tags: ['PII'] }, value)
    expect(paths).not.toContain('/nickname')
    expect((decode(v1, out as Buffer) as typeof customer).nickname).toBeNull()
  })

  it('follows schema evolution: v2 tags the city and its records get it edited', async () => {
    const editor = new FieldEditor({ tags: ['PII'] }, { fetchSchema })
    const paths = async (id: number, schema: object) => {
      const value = encode(id, schema, customer)
      await editor.prepare(value, 'registry')
      const seen: string[] = []
      editor.edit(value, 'registry', (f) => (seen.push(f.path), f.value))
      return seen
    }
    expect(await paths(1, v1)).not.toContain('/address/city')
    expect(await paths(2, v2)).toContain('/address/city')
  })

  it('needs prepare before edit, and prepares each schema id once', async () => {
    let fetched = 0
    const editor = new FieldEditor(
      { tags: ['PII'] },
      { fetchSchema: (id) => (fetched++, fetchSchema(id)) }
    )
    const value = encode(1, v1, customer)
    expect(() => editor.edit(value, 'registry', (f) => f.value)).toThrow(
      /schema id 1 is not prepared/
    )
    await Promise.all([editor.prepare(value, 'registry'), editor.prepare(value, 'registry')])
    expect(editor.prepare(value, 'registry')).toBeUndefined()
    expect(fetched).toBe(1)
  })

  it('returns undefined when no field is selected', async () => {
    const { out } = await edited({ tags: ['NOT-THERE'] }, encode(1, v1, customer))
    expect(out).toBeUndefined()
  })
})

describe('Avro fields by pointer', () => {
  it('edits the field a pointer names, through unions and arrays', async () => {
    const value = encode(1, v1, customer)
    const { out, paths } = await edited(
      { pointers: ['/billing/city', '/previous/0/city', '/notes/vip'] },
      value
    )
    expect(paths).toEqual(['/billing/city', '/previous/0/city', '/notes/vip'])
    expect((decode(v1, out as Buffer) as typeof customer).address.city).toBe('Springfield')
  })

  it('refuses a pointer to a field of a type no edit keeps valid, naming it', async () => {
    const editor = new FieldEditor({ pointers: ['/age'] }, { fetchSchema })
    await expect(editor.prepare(encode(1, v1, customer), 'registry')).rejects.toThrow(
      'field /age is of type int; only string and bytes fields can be edited'
    )
  })

  it('refuses a pointer naming no field of the schema', async () => {
    const editor = new FieldEditor({ pointers: ['/address/zip'] }, { fetchSchema })
    await expect(editor.prepare(encode(1, v1, customer), 'registry')).rejects.toThrow(
      'field /address/zip names no field of record com.acme.Address'
    )
  })
})
