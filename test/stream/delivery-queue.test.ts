import { describe, expect, it, vi } from 'vitest'
import { DeliveryQueue, isGap, type Delivery } from '../../src/stream/delivery-queue.ts'
import type { StreamRecord } from '../../src/stream/record.ts'

function record(offset: number, partition = 0, topic = 'orders'): StreamRecord {
  return {
    topic,
    partition,
    offset: String(offset),
    timestamp: '0',
    key: null,
    headers: {},
    value: offset,
    tombstone: false,
  }
}

function drain(queue: DeliveryQueue): Delivery[] {
  const out: Delivery[] = []
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item)
  return out
}

const label = (d: Delivery): string =>
  isGap(d) ? `gap:${d.skipped}` : `${d.partition}@${d.offset}`

describe('DeliveryQueue with onOverflow: close', () => {
  it('queues until a record does not fit, then stays overflowed', () => {
    const queue = new DeliveryQueue({ maxRecords: 2, maxBytes: 100, onOverflow: 'close' })
    expect(queue.offer(record(0), 10)).toBe('queued')
    expect(queue.offer(record(1), 10)).toBe('queued')
    expect(queue.offer(record(2), 10)).toBe('overflow')
    expect(queue.overflowed).toBe(true)
    queue.shift()
    expect(queue.offer(record(3), 10)).toBe('overflow')
    expect(queue.fits(1)).toBe(false)
  })

  it('overflows on bytes as well as on records', () => {
    const queue = new DeliveryQueue({ maxRecords: 100, maxBytes: 25, onOverflow: 'close' })
    queue.offer(record(0), 20)
    expect(queue.offer(record(1), 10)).toBe('overflow')
  })
})

describe('DeliveryQueue with onOverflow: skip', () => {
  it('drops what does not fit and puts a gap notice where the records were', () => {
    const queue = new DeliveryQueue({
      maxRecords: 2,
      maxBytes: 1000,
      onOverflow: 'skip',
      lowWater: 0,
    })
    queue.offer(record(0), 1)
    queue.offer(record(1), 1)
    expect(queue.offer(record(2), 1)).toBe('skipped')
    expect(queue.offer(record(3, 1), 1)).toBe('skipped')
    expect(queue.offer(record(4), 1)).toBe('skipped')
    expect(queue.skipping).toBe(true)
    expect(queue.skippedTotal).toBe(3)
    const delivered = drain(queue)
    expect(delivered.map(label)).toEqual(['0@0', '0@1', 'gap:3'])
    expect(delivered[2]).toEqual({
      type: 'gap',
      skipped: 3,
      ranges: [
        { topic: 'orders', partition: 0, from: '2', to: '4' },
        { topic: 'orders', partition: 1, from: '3', to: '3' },
      ],
    })
    expect(queue.skipping).toBe(false)
    expect(queue.offer(record(5), 1)).toBe('queued')
  })

  it('keeps skipping until the client drains to the low-water mark, then queues after the gap', () => {
    const queue = new DeliveryQueue({ maxRecords: 4, maxBytes: 1000, onOverflow: 'skip' })
    for (let i = 0; i < 4; i++) queue.offer(record(i), 1)
    expect(queue.offer(record(4), 1)).toBe('skipped')
    queue.shift() // 3 records and the notice wait: above the mark of 2
    expect(queue.offer(record(5), 1)).toBe('skipped')
    queue.shift() // 2 records and the notice: still above
    queue.shift() // 1 record and the notice: at the mark
    expect(queue.skipping).toBe(false)
    expect(queue.offer(record(6), 1)).toBe('queued')
    expect(queue.offer(record(7), 1)).toBe('queued')
    // The waiting notice takes a place among the four.
    expect(queue.offer(record(8), 1)).toBe('skipped')
    expect(drain(queue).map(label)).toEqual(['0@3', 'gap:2', '0@6', '0@7', 'gap:1'])
  })

  it('never changes a gap notice after handing it out', () => {
    const queue = new DeliveryQueue({ maxRecords: 1, maxBytes: 1000, onOverflow: 'skip' })
    queue.offer(record(0), 1)
    queue.offer(record(1), 1)
    queue.shift()
    const gap = queue.shift()
    queue.offer(record(2), 1)
    queue.offer(record(3), 1)
    expect(gap).toMatchObject({ type: 'gap', skipped: 1 })
    expect(drain(queue).map(label)).toEqual(['0@2', 'gap:1'])
  })

  it('holds at most maxRecords records plus one notice, however fast records come', () => {
    const queue = new DeliveryQueue({ maxRecords: 50, maxBytes: 1000, onOverflow: 'skip' })
    for (let i = 0; i < 10_000; i++) queue.offer(record(i, i % 3), 10)
    expect(queue.length).toBe(51)
    expect(queue.bytes).toBeLessThanOrEqual(1000)
    const gap = drain(queue).at(-1)
    expect(gap).toMatchObject({ type: 'gap', skipped: 9_950 })
    expect((gap as { ranges: unknown[] }).ranges).toHaveLength(3)
  })
})

describe('DeliveryQueue fullness for the hub', () => {
  it('is full from a limit until drained to the low-water mark, and says when it has room', () => {
    const onRoom = vi.fn()
    const queue = new DeliveryQueue({ maxRecords: 4, maxBytes: 1000, onOverflow: 'close', onRoom })
    for (let i = 0; i < 4; i++) queue.offer(record(i), 1)
    expect(queue.full).toBe(true)
    queue.shift()
    expect([queue.full, queue.fits(1)]).toEqual([true, true])
    queue.shift()
    expect(queue.full).toBe(false)
    expect(onRoom).toHaveBeenCalledTimes(1)
    queue.shift()
    expect(onRoom).toHaveBeenCalledTimes(1)
  })

  it('counts bytes against the mark too', () => {
    const onRoom = vi.fn()
    const queue = new DeliveryQueue({ maxRecords: 100, maxBytes: 100, onOverflow: 'skip', onRoom })
    queue.offer(record(0), 60)
    queue.offer(record(1), 40)
    expect(queue.full).toBe(true)
    queue.shift() // 40 bytes left, under the 50-byte mark
    expect(queue.full).toBe(false)
    expect(onRoom).toHaveBeenCalledOnce()
  })

  it('clears, releasing records and any open gap', () => {
    const queue = new DeliveryQueue({ maxRecords: 1, maxBytes: 10, onOverflow: 'skip' })
    queue.offer(record(0), 1)
    queue.offer(record(1), 1)
    queue.clear()
    expect([queue.length, queue.bytes, queue.full, queue.skipping]).toEqual([0, 0, false, false])
  })

  it('refuses a low-water mark outside [0, 1)', () => {
    expect(
      () => new DeliveryQueue({ maxRecords: 1, maxBytes: 1, onOverflow: 'skip', lowWater: 1 })
    ).toThrow(RangeError)
  })
})
