import { describe, expect, it } from 'vitest'
import { FanOut, type Member } from '../../../src/kafka/consumer/fan-out.ts'
import type { ConsumedRecord, DeliverResult } from '../../../src/kafka/consumer/types.ts'

const record = (offset: number): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  timestamp: '0',
  key: null,
  value: Buffer.from(String(offset)),
  headers: {},
})

function subscriber(answers: DeliverResult[] = []) {
  const got: string[] = []
  return {
    got,
    deliver(r: ConsumedRecord): DeliverResult {
      got.push(r.offset)
      return answers.shift() ?? 'ok'
    },
  }
}

const noError = () => {
  throw new Error('unexpected subscriber error')
}

describe('FanOut', () => {
  it('gives every record to every member, full or not', () => {
    const fanOut = new FanOut()
    const fast = subscriber()
    const slow = subscriber(['full', 'full', 'full'])
    fanOut.add(fast)
    fanOut.add(slow)
    for (let i = 0; i < 3; i++) fanOut.deliver(record(i), noError)
    expect(fast.got).toEqual(['0', '1', '2'])
    expect(slow.got).toEqual(['0', '1', '2'])
    expect(fanOut.allFull).toBe(false)
  })

  it('is all full only when every member is, and not with no members', () => {
    const fanOut = new FanOut()
    expect(fanOut.allFull).toBe(false)
    const a = fanOut.add(subscriber(['full', 'full']))
    const b = fanOut.add(subscriber(['ok', 'full']))
    fanOut.deliver(record(0), noError)
    expect(fanOut.allFull).toBe(false)
    fanOut.deliver(record(1), noError)
    expect(fanOut.allFull).toBe(true)
    expect(fanOut.ready(a)).toBe(true)
    expect(fanOut.ready(a)).toBe(false) // no change the second time
    expect(fanOut.allFull).toBe(false)
    fanOut.remove(a)
    expect(fanOut.allFull).toBe(true)
    fanOut.remove(b)
    expect(fanOut.allFull).toBe(false)
  })

  it('clears a full member that takes a record again', () => {
    const fanOut = new FanOut()
    const member = fanOut.add(subscriber(['full', 'ok']))
    fanOut.deliver(record(0), noError)
    expect(member.full).toBe(true)
    fanOut.deliver(record(1), noError)
    expect(member.full).toBe(false)
  })

  it('lets a member leave from inside deliver() without upsetting the count', () => {
    const fanOut = new FanOut()
    const self: Member = fanOut.add({
      deliver(): DeliverResult {
        fanOut.remove(self)
        return 'full'
      },
    })
    const other = subscriber(['full'])
    fanOut.add(other)
    fanOut.deliver(record(0), noError)
    expect(fanOut.size).toBe(1)
    expect(other.got).toEqual(['0'])
    expect(fanOut.allFull).toBe(true)
  })

  it('reports a throwing member and still serves the others', () => {
    const fanOut = new FanOut()
    const broken = fanOut.add({
      deliver() {
        throw new Error('boom')
      },
    })
    const fine = subscriber()
    fanOut.add(fine)
    const failed: Member[] = []
    fanOut.deliver(record(0), (member) => {
      failed.push(member)
      fanOut.remove(member)
    })
    expect(failed).toEqual([broken])
    expect(fine.got).toEqual(['0'])
    expect(fanOut.size).toBe(1)
  })

  it('ignores members it no longer has', () => {
    const fanOut = new FanOut()
    const member = fanOut.add(subscriber(['full']))
    fanOut.deliver(record(0), noError)
    expect(fanOut.remove(member)).toBe(true)
    expect(fanOut.remove(member)).toBe(false)
    expect(fanOut.ready(member)).toBe(false)
    expect(fanOut.has(member)).toBe(false)
  })
})
