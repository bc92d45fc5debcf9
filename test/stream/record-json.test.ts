import { describe, expect, it, vi } from 'vitest'
import type { StreamRecord } from '../../src/stream/record.ts'
import {
  serializeRecord,
  sharedEncoding,
  type SerializedRecord,
} from '../../src/stream/record-json.ts'
import { maskedEndpoint, personRecord, reader } from '../http/streams/fanout-fixtures.ts'

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

describe('sharedEncoding', () => {
  it('encodes once per rendering however many subscribers ask: once per masked principal, once clear', () => {
    const encode = vi.fn((s: SerializedRecord) => Buffer.from(s.json))
    const bytesOf = sharedEncoding(encode)
    const endpoint = maskedEndpoint()
    const record = personRecord(0)
    // 200 subscribers: carol's and dave's masked renderings, and the clear one bob reads.
    const sent = Array.from({ length: 200 }, (_, i) => {
      const who = reader(i)
      return bytesOf(endpoint.render(record, who) as StreamRecord)
    })
    expect(encode).toHaveBeenCalledTimes(3)
    expect(new Set(sent).size).toBe(3)
    expect(JSON.parse((sent[0] as Buffer).toString())).toMatchObject({
      value: { email: 'j***@example.com' },
    })
    expect(JSON.parse((sent[1] as Buffer).toString())).toMatchObject({
      value: { email: 'jane@example.com' },
    })
  })
})
