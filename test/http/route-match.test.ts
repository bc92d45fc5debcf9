import { RegExpRouter } from 'hono/router/reg-exp-router'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { matchRoute } from '../../src/http/route-match.ts'

describe('matchRoute', () => {
  const router = new RegExpRouter<string>()
  router.add('GET', '/streams/:topic', 'stream')
  router.add('POST', '/orders', 'orders')

  it('finds the route and percent-decodes its parameters', () => {
    expect(matchRoute(router, 'GET', '/streams/a%2Eb')).toEqual({
      value: 'stream',
      params: { topic: 'a.b' },
    })
    expect(matchRoute(router, 'POST', '/orders')).toEqual({ value: 'orders', params: {} })
    expect(matchRoute(router, 'GET', '/orders')).toBeUndefined()
  })

  it('answers a malformed percent-encoding with a 400, never a URIError', () => {
    let thrown: unknown
    try {
      matchRoute(router, 'GET', '/streams/%E0%A4%A')
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(GatewayError)
    expect((thrown as GatewayError).code).toBe('bad-request')
  })
})
