// The record view over what kafkajs consumes (streams, views, replies) and what HTTP produce hands
// the producer: the transform's edits come back in each shape, and a consumed record is copied.
import { describe, expect, it } from 'vitest'
import { TransformPolicy } from '../../../src/config/schema/policies.ts'
import type { ConsumedRecord } from '../../../src/kafka/consumer/types.ts'
import type { OutgoingRecord } from '../../../src/kafka/producer/record.ts'
import {
  compileTransform,
  readConsumed,
  writeOutgoing,
} from '../../../src/policy/transform/index.ts'

const { read, write } = compileTransform(
  TransformPolicy.parse({
    name: 't',
    kind: 'transform',
    produce: { setHeaders: { source: 'weir' }, removeHeaders: ['secret'] },
    fetch: { removeHeaders: ['internal'], mask: ['/card'], filter: { keys: ['eu-*'] } },
  })
)

const consumed = (key: string, headers: ConsumedRecord['headers']): ConsumedRecord => ({
  topic: 'acme.orders',
  partition: 1,
  offset: '7',
  timestamp: '1700000000000',
  key: Buffer.from(key),
  value: Buffer.from('{"card":"4111"}'),
  headers,
})

describe('readConsumed', () => {
  it('copies the record with the edits, keeping repeated headers as kafkajs gives them', () => {
    const record = consumed('eu-1', {
      internal: Buffer.from('x'),
      trace: ['a', Buffer.from('b')],
      empty: undefined,
    })
    const edited = readConsumed(read!, record, 'orders')
    expect(edited).toMatchObject({ topic: 'acme.orders', partition: 1, offset: '7' })
    expect(String(edited?.value)).toBe('{"card":"***"}')
    expect(edited?.headers).toEqual({
      trace: [Buffer.from('a'), Buffer.from('b')],
      empty: undefined,
    })
    expect(String(record.value)).toBe('{"card":"4111"}')
    expect(Object.keys(record.headers)).toEqual(['internal', 'trace', 'empty'])
  })

  it('is null for a record the filter drops', () => {
    expect(readConsumed(read!, consumed('us-1', {}), 'orders')).toBeNull()
  })
})

describe('writeOutgoing', () => {
  it("edits each record's header map in place", () => {
    const records: OutgoingRecord[] = [
      { topic: 'acme.orders', key: null, value: null, headers: { secret: Buffer.from('s') } },
      { topic: 'acme.orders', key: null, value: null, headers: { keep: Buffer.from('k') } },
    ]
    writeOutgoing(write!, records, 'orders')
    expect(records.map((r) => Object.keys(r.headers))).toEqual([['source'], ['keep', 'source']])
    expect(String(records[0]?.headers.source)).toBe('weir')
  })
})
