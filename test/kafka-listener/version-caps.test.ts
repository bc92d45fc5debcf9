// The version rules stated once for the Kafka listener: which versions name topics, which
// Produce versions pass undecoded, and how caps combine.
import { describe, expect, it } from 'vitest'
import {
  capWhile,
  narrowest,
  topicsById,
  topicsByName,
  undecodable,
} from '../../src/kafka-listener/version-caps.ts'

describe('version caps', () => {
  it('knows the last versions that name topics', () => {
    expect([topicsById('produce', 12), topicsById('produce', 13)]).toEqual([false, true])
    expect([topicsById('fetch', 12), topicsById('fetch', 13)]).toEqual([false, true])
    expect([topicsById('offsetCommit', 9), topicsById('offsetCommit', 10)]).toEqual([false, true])
    expect([topicsById('offsetFetch', 9), topicsById('offsetFetch', 10)]).toEqual([false, true])
  })

  it('passes Produce v0-2 undecoded, and nothing else', () => {
    expect([0, 1, 2, 3].map((v) => undecodable(0, v))).toEqual([true, true, true, false])
    expect(undecodable(1, 0)).toBe(false)
  })

  it('takes the narrowest of several caps, removal first', () => {
    const cap = narrowest([
      topicsByName(['produce']),
      () => ({ max: 9 }),
      (key) => (key === 5 ? 'remove' : undefined),
    ])
    expect(cap(0)).toEqual({ max: 9 })
    expect(cap(5)).toBe('remove')
    expect(narrowest([topicsByName(['fetch'])])(0)).toBeUndefined()
  })

  it('caps only while its policy applies', () => {
    let applies = false
    const cap = capWhile(() => applies, topicsByName(['fetch']))
    expect(cap(1)).toBeUndefined()
    applies = true
    expect(cap(1)).toEqual({ max: 12 })
  })
})
