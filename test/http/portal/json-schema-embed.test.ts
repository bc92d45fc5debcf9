// Moving JSON Schemas into components: every reference must still point at what it meant.
import { describe, expect, it } from 'vitest'
import { embedJsonSchemas } from '../../../src/http/portal/json-schema-embed.ts'

describe('embedJsonSchemas', () => {
  it('rewrites local, anchored, and cross-schema references; drops $id and $schema', () => {
    const order = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://acme.example/schemas/order.json',
      type: 'object',
      properties: {
        self: { $ref: '#' },
        line: { $ref: '#/$defs/line' },
        sku: { $ref: '#sku' },
        ship: { $ref: 'address.json' },
        city: { $ref: 'https://acme.example/schemas/address.json#/properties/city' },
        missing: { $ref: 'nowhere.json' },
      },
      $defs: {
        line: { type: 'object', properties: { qty: { type: 'integer' } } },
        sku: { $anchor: 'sku', type: 'string' },
      },
      // Data is not a schema: a "$ref" member of an enum value stays as it is.
      enum: [{ $ref: '#/not-a-reference' }],
    }
    const address = {
      $id: 'address.json',
      type: 'object',
      properties: { city: { type: 'string' } },
    }
    const [main, ref] = embedJsonSchemas([
      { component: 'orders-value', schema: JSON.stringify(order) },
      { component: 'address.json', uri: 'address.json', schema: JSON.stringify(address) },
    ])
    expect(main).toEqual({
      type: 'object',
      properties: {
        self: { $ref: '#/components/schemas/orders-value' },
        line: { $ref: '#/components/schemas/orders-value/$defs/line' },
        sku: { $ref: '#/components/schemas/orders-value/$defs/sku' },
        ship: { $ref: '#/components/schemas/address.json' },
        city: { $ref: '#/components/schemas/address.json/properties/city' },
        missing: { description: 'unresolved reference "nowhere.json": any value' },
      },
      $defs: {
        line: { type: 'object', properties: { qty: { type: 'integer' } } },
        sku: { type: 'string' },
      },
      enum: [{ $ref: '#/not-a-reference' }],
    })
    expect(ref).toEqual({ type: 'object', properties: { city: { type: 'string' } } })
  })
})
