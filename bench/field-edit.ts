// Cost of field-level editing per record, in process: decoding a Confluent-framed Avro value,
// editing its two tagged fields and re-encoding it, with an identity edit (the plumbing alone)
// and with AES-256-GCM sealing (a stand-in for the envelope encryption). `node bench/field-edit.ts`
import { createCipheriv, randomBytes } from 'node:crypto'
import { FieldEditor, sealFields, type FieldEdit } from '../src/policy/fields/index.ts'
import { compileAvro, frame } from '../src/schema/index.ts'

const schema = {
  type: 'record',
  name: 'Customer',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'city', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
}
const written = compileAvro(schema).write({
  id: 1,
  name: 'Jane Doe',
  email: 'jane@example.com',
  city: 'Springfield',
  amount: 12.5,
})
if (!written.ok) throw new Error('fixture does not match its schema')
const value = frame(1, written.payload)

const key = randomBytes(32)
const seal = (plain: Buffer, aad: Buffer) => {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad)
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()])
}
const editor = new FieldEditor(
  { tags: ['PII'] },
  { fetchSchema: () => Promise.resolve({ format: 'avro', schema: JSON.stringify(schema) }) }
)
await editor.prepare(value, 'registry')

const runs: [string, FieldEdit][] = [
  ['identity edit (decode, visit, re-encode)', (f) => f.value],
  ['AES-256-GCM seal of 2 fields', sealFields(seal)],
]
for (const [label, edit] of runs) {
  for (let i = 0; i < 20_000; i++) editor.edit(value, 'registry', edit)
  const n = 200_000
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) editor.edit(value, 'registry', edit)
  const micros = Number(process.hrtime.bigint() - start) / n / 1000
  console.log(`${label}: ${micros.toFixed(2)} µs/record`)
}
