import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { IdempotencyCache } from '../../src/produce/idempotency.ts'

const ok = (n: number) => ({ status: 202, body: { n }, headers: {} })

describe('IdempotencyCache', () => {
  it('runs once for concurrent and later repeats, replaying the first answer', async () => {
    const cache = new IdempotencyCache()
    let runs = 0
    const produce = async () => {
      runs++
      await new Promise((r) => setTimeout(r, 20))
      return ok(runs)
    }
    const results = await Promise.all(
      [1, 2, 3].map(() => cache.run('alice|route', 'k1', 'f', produce))
    )
    const later = await cache.run('alice|route', 'k1', 'f', produce)
    expect(runs).toBe(1)
    expect(results.map((r) => r.body)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }])
    expect(results.filter((r) => r.replayed)).toHaveLength(2)
    expect(later).toMatchObject({ body: { n: 1 }, replayed: true })
  })

  it('scopes keys and refuses a reused key with another body', async () => {
    const cache = new IdempotencyCache()
    await cache.run('alice|r', 'k', 'f1', async () => ok(1))
    expect((await cache.run('bob|r', 'k', 'f2', async () => ok(2))).body).toEqual({ n: 2 })
    await expect(cache.run('alice|r', 'k', 'f2', async () => ok(3))).rejects.toThrow(GatewayError)
  })

  it('forgets failures so the client can retry', async () => {
    const cache = new IdempotencyCache()
    await expect(
      cache.run('s', 'k', 'f', async () => Promise.reject(new Error('down')))
    ).rejects.toThrow('down')
    expect((await cache.run('s', 'k', 'f', async () => ok(2))).replayed).toBe(false)
  })

  it('expires entries after the TTL and stays within its bound', async () => {
    const cache = new IdempotencyCache(10, 2)
    await cache.run('s', 'a', 'f', async () => ok(1))
    await new Promise((r) => setTimeout(r, 15))
    expect((await cache.run('s', 'a', 'f', async () => ok(2))).body).toEqual({ n: 2 })
    await cache.run('s', 'b', 'f', async () => ok(3))
    await cache.run('s', 'c', 'f', async () => ok(4))
    // "a" was the oldest of three with room for two: it runs again.
    expect((await cache.run('s', 'a', 'f', async () => ok(5))).replayed).toBe(false)
  })

  it('answers a request once per principal, route and key; without a key, every time', async () => {
    const cache = new IdempotencyCache()
    const body = Buffer.from('{"n":1}')
    let runs = 0
    const produce = async () => ok(++runs)
    const asked = (principal: string, key?: string) =>
      cache.answer({ principal, route: 'POST /orders', key, body }, produce)
    expect(await asked('alice', 'k1')).toMatchObject({ body: { n: 1 }, replayed: false })
    expect(await asked('alice', 'k1')).toMatchObject({ body: { n: 1 }, replayed: true })
    expect(await asked('bob', 'k1')).toMatchObject({ body: { n: 2 }, replayed: false })
    // Without a key the answer is the request's own: nothing marks it a replay.
    expect(await asked('alice')).toEqual(ok(3))
    expect(await asked('alice')).toEqual(ok(4))
  })
})
