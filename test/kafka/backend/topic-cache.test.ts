import { describe, expect, it } from 'vitest'
import { TopicCache } from '../../../src/kafka/backend/topic-cache.ts'

/** A cluster whose topic list the test changes, and a clock it moves. */
function fake(topics: string[]) {
  const clock = { now: 0 }
  const calls = { list: 0 }
  let answer: (() => Promise<string[]>) | undefined
  const cache = new TopicCache({
    refreshMs: 1000,
    now: () => clock.now,
    list: () => {
      calls.list++
      return answer ? answer() : Promise.resolve([...topics])
    },
  })
  return { cache, clock, calls, topics, answer: (fn: () => Promise<string[]>) => (answer = fn) }
}

describe('TopicCache', () => {
  it('fetches the topic list on the first miss and answers known topics from memory', async () => {
    const { cache, calls } = fake(['orders'])
    expect(await cache.exists('orders')).toBe(true)
    // Known: `true` itself, no promise (every produce request asks).
    expect(cache.exists('orders')).toBe(true)
    expect(calls.list).toBe(1)
  })

  it('answers a missing topic from the last refresh until refreshMs has passed', async () => {
    const { cache, clock, calls, topics } = fake(['orders'])
    expect(await cache.exists('missing-1')).toBe(false)
    topics.push('missing-1')
    clock.now = 999
    expect(await cache.exists('missing-1')).toBe(false)
    expect(await cache.exists('missing-2')).toBe(false)
    expect(calls.list).toBe(1)
    clock.now = 1000
    expect(await cache.exists('missing-1')).toBe(true) // created meanwhile: seen on this refresh
    expect(calls.list).toBe(2)
  })

  it('shares one refresh among every miss that arrives while it runs', async () => {
    const { cache, calls, answer } = fake([])
    let finish: (topics: string[]) => void = () => undefined
    answer(() => new Promise((resolve) => (finish = resolve)))
    const asked = ['a', 'b', 'c', 'a'].map((t) => cache.exists(t))
    finish(['a', 'c'])
    expect(await Promise.all(asked)).toEqual([true, false, true, true])
    expect(calls.list).toBe(1)
  })

  it('answers a failed refresh with its error until the next one, keeping known topics', async () => {
    const { cache, clock, answer } = fake(['orders'])
    expect(await cache.exists('orders')).toBe(true)
    clock.now = 5000
    answer(() => Promise.reject(new Error('connection refused')))
    await expect(cache.exists('other')).rejects.toThrow('connection refused')
    clock.now = 5500
    await expect(cache.exists('other')).rejects.toThrow('connection refused')
    expect(await cache.exists('orders')).toBe(true)
  })

  it('forgets a topic the brokers said is gone, until a refresh lists it again', async () => {
    const { cache, clock, calls } = fake(['orders'])
    expect(await cache.exists('orders')).toBe(true)
    cache.forget('orders')
    clock.now = 10
    expect(await cache.exists('orders')).toBe(false) // the last refresh was 10 ms ago
    clock.now = 2000
    expect(await cache.exists('orders')).toBe(true)
    expect(calls.list).toBe(2)
  })
})
