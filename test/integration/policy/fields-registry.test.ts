// Field selection by schema tag against a real Apicurio Registry (Confluent-compatible API): the
// `confluent:tags` a producer registers survive the registry, a new version that tags one more
// field is edited with no change to the selection, and the edited record still decodes with the
// standard Confluent deserializer (a consumer that cannot decrypt still deserializes).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { describe, expect, it } from 'vitest'
import { FieldEditor, registrySchemaSource, sealFields } from '../../../src/policy/fields/index.ts'
import { RegistryClient } from '../../../src/schema/registry-client.ts'
import { stack, uniqueName } from '../../support/kafka.ts'

const customer = (tagCity: boolean) => ({
  type: 'record',
  name: 'Customer',
  namespace: 'weir.it.fields',
  fields: [
    { name: 'name', type: 'string', 'confluent:tags': ['PII'] },
    {
      name: 'address',
      type: {
        type: 'record',
        name: 'Address',
        fields: [
          { name: 'street', type: 'string', 'confluent:tags': ['PII'] },
          { name: 'city', type: 'string', ...(tagCity ? { 'confluent:tags': ['PII'] } : {}) },
        ],
      },
    },
  ],
})

describe('field selection by tag with Apicurio', () => {
  it('follows a new schema version that tags one more field, and stays decodable', async () => {
    const subject = `${uniqueName('fields')}-value`
    const config = {
      name: 'apicurio',
      url: stack().registryUrl,
      cacheTtlMs: 300_000,
      requestTimeoutMs: 5000,
    }
    const client = new RegistryClient(config)
    const confluent = new SchemaRegistry({ host: stack().registryUrl })
    const editor = new FieldEditor(
      { tags: ['PII'] },
      { fetchSchema: (id) => registrySchemaSource(client, id) }
    )
    const record = { name: 'Jane', address: { street: '1 Main St', city: 'Springfield' } }
    const seal = sealFields((plain) => Buffer.from(plain).reverse())

    const edited = async (tagCity: boolean) => {
      const id = await client.register(subject, { schemaType: 'AVRO', schema: customer(tagCity) })
      const value = await confluent.encode(id, record)
      await editor.prepare(value, 'registry')
      const out = editor.edit(value, 'registry', seal) as Buffer
      expect(out.readInt32BE(1)).toBe(id)
      return (await confluent.decode(out)) as typeof record
    }

    const v1 = await edited(false)
    expect(v1.name).toMatch(/^weir-enc:v1:/)
    expect(v1.address.street).toMatch(/^weir-enc:v1:/)
    expect(v1.address.city).toBe('Springfield')

    const v2 = await edited(true)
    expect(v2.address.city).toMatch(/^weir-enc:v1:/)
  })
})
