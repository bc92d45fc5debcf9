import { describe, expect, it } from 'vitest'
import type { StreamRecord } from '../../src/stream/record.ts'
import { serializeRecord } from '../../src/stream/record-json.ts'

const record: StreamRecord = {
  topic: 'orders',
  partition: 0,
  offset: '1',
  timestamp: '0',
  key: null,
  headers: {},
  value: { note: 'crème brûlée' },
  tombstone: false,
  schemaId: undefined,
  encoding: { value: 'json' },
}

describe('serializeRecord', () => {
  it('gives the JSON text and its UTF-8 byte length, leaving out undefined fields', () => {
    const { json, bytes } = serializeRecord(record)
    expect(JSON.parse(json)).toEqual(record)
    expect(json).not.toContain('schemaId')
    expect(bytes).toBe(Buffer.byteLength(json))
    expect(bytes).toBeGreaterThan(json.length)
  })

  it('serializes a record once however many subscribers ask', () => {
    expect(serializeRecord(record)).toBe(serializeRecord(record))
    expect(serializeRecord({ ...record })).not.toBe(serializeRecord(record))
  })
})
