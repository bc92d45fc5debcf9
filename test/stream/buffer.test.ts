import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SubscriberBuffer } from '../../src/stream/buffer.ts'

describe('SubscriberBuffer', () => {
  it('is first in, first out, counting records and bytes', () => {
    const buffer = new SubscriberBuffer<string>({ maxRecords: 10, maxBytes: 100 })
    expect(buffer.push('a', 10)).toBe('ok')
    expect(buffer.push('b', 20)).toBe('ok')
    expect([buffer.length, buffer.bytes]).toEqual([2, 30])
    expect(buffer.peek()).toBe('a')
    expect(buffer.shift()).toBe('a')
    expect([buffer.length, buffer.bytes]).toEqual([1, 20])
    expect(buffer.shift()).toBe('b')
    expect(buffer.shift()).toBeUndefined()
    expect(buffer.bytes).toBe(0)
  })

  it('refuses a record over the record limit and leaves the buffer as it was', () => {
    const buffer = new SubscriberBuffer<number>({ maxRecords: 2, maxBytes: 1000 })
    buffer.push(1, 1)
    buffer.push(2, 1)
    expect(buffer.full).toBe(true)
    expect(buffer.push(3, 1)).toBe('full')
    expect([buffer.length, buffer.bytes]).toEqual([2, 2])
    buffer.shift()
    expect(buffer.push(3, 1)).toBe('ok')
  })

  it('refuses a record that would pass the byte limit, though smaller ones still fit', () => {
    const buffer = new SubscriberBuffer<string>({ maxRecords: 100, maxBytes: 100 })
    buffer.push('a', 60)
    expect(buffer.full).toBe(false)
    expect(buffer.fits(50)).toBe(false)
    expect(buffer.push('big', 50)).toBe('full')
    expect(buffer.push('small', 40)).toBe('ok')
    expect(buffer.full).toBe(true)
  })

  it('takes one oversized record when empty, so it cannot stall the stream', () => {
    const buffer = new SubscriberBuffer<string>({ maxRecords: 10, maxBytes: 100 })
    expect(buffer.push('huge', 500)).toBe('ok')
    expect(buffer.push('next', 1)).toBe('full')
  })

  it('goes past the limits only through pushAlways', () => {
    const buffer = new SubscriberBuffer<string>({ maxRecords: 1, maxBytes: 10 })
    buffer.push('a', 10)
    buffer.pushAlways('notice', 0)
    expect(buffer.length).toBe(2)
    expect([buffer.shift(), buffer.shift()]).toEqual(['a', 'notice'])
  })

  it('refuses nonsense limits and sizes', () => {
    expect(() => new SubscriberBuffer({ maxRecords: 0, maxBytes: 1 })).toThrow(RangeError)
    expect(() => new SubscriberBuffer({ maxRecords: 1, maxBytes: 1.5 })).toThrow(RangeError)
    const buffer = new SubscriberBuffer<string>({ maxRecords: 1, maxBytes: 1 })
    expect(() => buffer.push('a', -1)).toThrow(RangeError)
    expect(() => buffer.push('a', Number.NaN)).toThrow(RangeError)
  })

  it('clears everything', () => {
    const buffer = new SubscriberBuffer<string>({ maxRecords: 5, maxBytes: 50 })
    buffer.push('a', 5)
    buffer.clear()
    expect([buffer.length, buffer.bytes, buffer.shift()]).toEqual([0, 0, undefined])
    expect(buffer.push('b', 5)).toBe('ok')
  })

  it('behaves like a bounded array queue under any mix of pushes and shifts', () => {
    const op = fc.oneof(
      fc.record({ push: fc.nat(40) }),
      fc.constant({ shift: true as const }),
      fc.record({ always: fc.nat(5) })
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(op, { maxLength: 300 }),
        (maxRecords, maxBytes, ops) => {
          const buffer = new SubscriberBuffer<number>({ maxRecords, maxBytes })
          const model: { id: number; size: number }[] = []
          let id = 0
          for (const step of ops) {
            if ('shift' in step) {
              expect(buffer.shift()).toBe(model.shift()?.id)
            } else if ('always' in step) {
              buffer.pushAlways(++id, step.always)
              model.push({ id, size: step.always })
            } else {
              const bytes = model.reduce((sum, r) => sum + r.size, 0)
              const fits =
                model.length === 0 || (model.length < maxRecords && bytes + step.push <= maxBytes)
              expect(buffer.push(++id, step.push)).toBe(fits ? 'ok' : 'full')
              if (fits) model.push({ id, size: step.push })
            }
            expect(buffer.length).toBe(model.length)
            expect(buffer.bytes).toBe(model.reduce((sum, r) => sum + r.size, 0))
            expect(buffer.peek()).toBe(model[0]?.id)
          }
        }
      )
    )
  })
})
