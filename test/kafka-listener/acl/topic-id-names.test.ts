import { describe, expect, it } from 'vitest'
import { TopicIdNames } from '../../../src/kafka-listener/acl/index.ts'
import { ZERO_UUID } from '../../../src/protocol/index.ts'

describe('TopicIdNames', () => {
  it('maps ids to names, and ignores the zero id and missing names', () => {
    const names = new TopicIdNames()
    names.learn('id-1', 'orders')
    names.learn(ZERO_UUID, 'nothing')
    names.learn('id-2', null)
    names.learn('id-3', '')
    expect(names.nameOf('id-1')).toBe('orders')
    expect(names.nameOf(ZERO_UUID)).toBeUndefined()
    expect(names.size).toBe(1)
  })

  it('keeps at most its capacity, forgetting the least recently learned', () => {
    const names = new TopicIdNames(2)
    names.learn('a', 'A')
    names.learn('b', 'B')
    names.learn('a', 'A2') // renamed (a topic deleted and its id reused is not a thing, but be safe)
    names.learn('c', 'C')
    expect(names.nameOf('b')).toBeUndefined()
    expect(names.nameOf('a')).toBe('A2')
    expect(names.nameOf('c')).toBe('C')
  })
})
