import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import {
  advance,
  decodeCursor,
  emptyCursor,
  encodeCursor,
  MovingCursor,
  nextOffset,
  resumeFrom,
  type Cursor,
} from '../../src/stream/cursor.ts'

function cursorOf(positions: Record<string, Record<number, string>>): Cursor {
  return new Map(
    Object.entries(positions).map(([topic, byPartition]) => [
      topic,
      new Map(Object.entries(byPartition).map(([p, o]) => [Number(p), o])),
    ])
  )
}

function refusal(text: string, limits?: Parameters<typeof decodeCursor>[1]): GatewayError {
  try {
    decodeCursor(text, limits)
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).code).toBe('bad-request')
    return err as GatewayError
  }
  throw new Error(`expected "${text}" to be refused`)
}

const topicName = fc.stringMatching(/^[A-Za-z0-9._-]{1,30}$/)
const offset = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String)
const partition = fc.oneof(fc.nat(12), fc.nat(2 ** 31 - 1))
const cursors: fc.Arbitrary<Cursor> = fc
  .uniqueArray(
    fc.tuple(
      topicName,
      fc.uniqueArray(fc.tuple(partition, offset), {
        selector: ([p]) => p,
        minLength: 1,
        maxLength: 8,
      })
    ),
    { selector: ([topic]) => topic, maxLength: 4 }
  )
  .map((topics) => new Map(topics.map(([topic, positions]) => [topic, new Map(positions)])))

describe('cursor encoding', () => {
  it('writes contiguous partitions as bare offsets and others with their number', () => {
    expect(encodeCursor(cursorOf({ orders: { 0: '15', 1: '22', 2: '9' } }))).toBe(
      '1~orders~15_22_9'
    )
    expect(encodeCursor(cursorOf({ 'a.b-c_d': { 3: '7', 4: '8', 9: '0' } }))).toBe(
      '1~a.b-c_d~3.7_8_9.0'
    )
    expect(encodeCursor(emptyCursor)).toBe('1')
  })

  it('round-trips any cursor, using only URL-unreserved characters', () => {
    fc.assert(
      fc.property(cursors, (cursor) => {
        const text = encodeCursor(cursor)
        expect(text).toMatch(/^[A-Za-z0-9._~-]+$/)
        expect(decodeCursor(text)).toEqual(cursor)
        expect(encodeURIComponent(text)).toBe(text)
      })
    )
  })

  it('refuses to write a topic name no Kafka topic can have', () => {
    expect(() => encodeCursor(cursorOf({ 'a~b': { 0: '1' } }))).toThrow(GatewayError)
  })
})

describe('cursor decoding', () => {
  it.each([
    ['', /known version/],
    ['2~orders~1', /known version/],
    ['1~orders', /last topic has no positions/],
    ['1~orders~', /"" in topic "orders"/],
    ['1~orders~1__2', /"" in topic "orders"/],
    ['1~orders~01', /"01" in topic "orders"/],
    ['1~orders~-1', /"-1"/],
    ['1~orders~1.2.3', /"1.2.3"/],
    ['1~or ders~1', /"or ders" is not a topic name/],
    ['1~orders~1~orders~2', /topic "orders" appears twice/],
    ['1~orders~5_0.1', /orders\/0 appears twice/],
    ['1~orders~2147483648.1', /partition 2147483648 is out of range/],
    ['1~orders~9223372036854775808', /beyond the largest Kafka offset/],
  ])('refuses %j', (text, detail) => {
    expect(refusal(text).detail).toMatch(detail)
  })

  it('accepts the largest offset and partition', () => {
    const text = '1~t~2147483647.9223372036854775807'
    expect(
      decodeCursor(text)
        .get('t')
        ?.get(2 ** 31 - 1)
    ).toBe('9223372036854775807')
  })

  it('bounds the length and the number of partitions', () => {
    const many = `1~t~${Array.from({ length: 11 }, () => '1').join('_')}`
    expect(refusal(many, { maxPartitions: 10, maxLength: 1000 }).detail).toMatch(/10 partitions/)
    expect(refusal(many, { maxPartitions: 100, maxLength: 20 }).detail).toMatch(/25 characters/)
    expect(refusal('1~t~' + '1_'.repeat(20_000) + '1').detail).toMatch(/characters long/)
  })

  it('keeps echoed client input short', () => {
    expect(refusal(`1~${'x'.repeat(300)}~1`).detail.length).toBeLessThan(140)
  })

  it('never throws anything but a bad-request on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('1', '0', '~', '_', '.', 'a', '-', ' ') }),
        (text) => {
          try {
            decodeCursor(text)
          } catch (err) {
            expect((err as GatewayError).code).toBe('bad-request')
          }
        }
      )
    )
  })
})

describe('advance and resume', () => {
  it('moves one partition to the offset after the record and keeps the rest', () => {
    const before = cursorOf({ orders: { 0: '5', 1: '7' }, payments: { 0: '2' } })
    const after = advance(before, { topic: 'orders', partition: 1, offset: '9' })
    expect(after).toEqual(cursorOf({ orders: { 0: '5', 1: '10' }, payments: { 0: '2' } }))
    expect(before.get('orders')?.get(1)).toBe('7')
    expect(encodeCursor(advance(emptyCursor, { topic: 'new', partition: 2, offset: '0' }))).toBe(
      '1~new~2.1'
    )
  })

  it('counts past 2^53 exactly', () => {
    expect(nextOffset('9007199254740992')).toBe('9007199254740993')
    expect(nextOffset('999999999999999')).toBe('1000000000000000')
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 2n }), (n) => {
        expect(nextOffset(String(n))).toBe(String(n + 1n))
      })
    )
  })

  it('resumes partitions in the cursor from it and the others from the stream start', () => {
    const cursor = decodeCursor('1~orders~5.100')
    expect(resumeFrom(cursor, 'orders', 5, 'latest')).toEqual({ from: 'cursor', offset: '100' })
    expect(resumeFrom(cursor, 'orders', 0, 'latest')).toEqual({ from: 'start', start: 'latest' })
    expect(resumeFrom(cursor, 'other', 5, { timestamp: 1 })).toEqual({
      from: 'start',
      start: { timestamp: 1 },
    })
  })
})

describe('MovingCursor', () => {
  it('is its start until it moves, then moves in place and hands out copies it keeps still', () => {
    const start: Cursor = new Map([['orders', new Map([[0, '5']])]])
    const moving = new MovingCursor(start)
    expect(moving.value).toBe(start)
    expect(moving.text).toBe('1~orders~5')
    expect(moving.has('orders', 0)).toBe(true)
    expect(moving.has('orders', 1)).toBe(false)

    moving.set('orders', 1, '9')
    moving.set('payments', 0, '2')
    const seen = moving.value
    expect(moving.value).toBe(seen) // one copy per move, however often asked
    expect(moving.text).toBe('1~orders~5_9~payments~2')
    expect(encodeCursor(seen)).toBe(moving.text)
    moving.set('orders', 0, '6')
    expect(encodeCursor(seen)).toBe('1~orders~5_9~payments~2') // a copy handed out stays put
    expect(moving.text).toBe('1~orders~6_9~payments~2')
    expect(start.get('orders')?.get(0)).toBe('5') // the start is never changed
  })
})
