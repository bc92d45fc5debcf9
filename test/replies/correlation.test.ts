import { describe, expect, it } from 'vitest'
import { Correlator, routeTag } from '../../src/replies/correlation.ts'

const secret = 'a-shared-secret-of-at-least-32-characters'
const alice = { virtualCluster: 'shop', principal: { name: 'alice', method: 'api-key' as const } }
const bob = { virtualCluster: 'shop', principal: { name: 'bob', method: 'api-key' as const } }
const tag = routeTag('public', 'shop', 'POST /orders')

describe('request ids', () => {
  it('carries the route and creation time, readable by any node sharing the secret', () => {
    const issued = new Correlator(secret).issue(tag, alice, 1_760_000_000_123)
    expect(issued.text).toMatch(/^[A-Za-z0-9_-]{58}$/)
    const read = new Correlator(secret).read(issued.text)
    expect(read).toEqual({ text: issued.text, createdAt: 1_760_000_000_123, route: tag })
  })

  it('binds the id to the principal who made the request', () => {
    const correlator = new Correlator(secret)
    const id = correlator.read(correlator.issue(tag, alice).text)
    if (id === undefined) throw new Error('unreadable')
    expect(correlator.owns(id, alice)).toBe(true)
    expect(correlator.owns(id, bob)).toBe(false)
    // Same name, another authentication method or virtual cluster: another principal.
    expect(correlator.owns(id, { ...alice, principal: { name: 'alice', method: 'jwt' } })).toBe(
      false
    )
    expect(correlator.owns(id, { ...alice, virtualCluster: 'other' })).toBe(false)
  })

  it('refuses ids made with another secret, altered ids and garbage', () => {
    const correlator = new Correlator(secret)
    const text = correlator.issue(tag, alice).text
    expect(new Correlator(`${secret}-other`).read(text)).toBeUndefined()
    const flipped = Buffer.from(text, 'base64url')
    flipped[3] = (flipped[3] as number) ^ 1 // the creation time: a later expiry
    expect(correlator.read(flipped.toString('base64url'))).toBeUndefined()
    expect(correlator.read('')).toBeUndefined()
    expect(correlator.read('x'.repeat(58))).toBeUndefined()
    expect(correlator.read(`${text}A`)).toBeUndefined()
    expect(correlator.read(text.replace(/.$/, '+'))).toBeUndefined()
  })

  it('gives every request its own id, and routes their own tags', () => {
    const correlator = new Correlator(secret)
    const ids = new Set(Array.from({ length: 1000 }, () => correlator.issue(tag, alice, 1).text))
    expect(ids.size).toBe(1000)
    expect(routeTag('public', 'shop', 'POST /orders')).toBe(tag)
    expect(routeTag('public', 'shop', 'POST /refunds')).not.toBe(tag)
    expect(routeTag('internal', 'shop', 'POST /orders')).not.toBe(tag)
  })
})
