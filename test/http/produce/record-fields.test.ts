import { describe, expect, it } from 'vitest'
import {
  headerMapper,
  jsonPointer,
  keyOf,
  partitionOf,
  type RequestView,
} from '../../../src/http/produce/record-fields.ts'

const view: RequestView = {
  params: { id: 'dev-7' },
  query: new URLSearchParams('p=2&k=q'),
  headers: new Headers({
    'x-key': 'h',
    'x-request-id': 'r1',
    'x-tenant': 'acme',
    traceparent: '00-abc-def-01',
    cookie: 'c',
  }),
}

describe('record fields', () => {
  it('reads JSON pointers as RFC 6901 says', () => {
    const doc = { a: { 'b/c': [10, 20], 'm~n': 1 } }
    expect(jsonPointer(doc, '/a/b~1c/1')).toBe(20)
    expect(jsonPointer(doc, '/a/m~0n')).toBe(1)
    expect(jsonPointer(doc, '')).toBe(doc)
    expect(jsonPointer(doc, '/nope/x')).toBeUndefined()
  })

  it('refuses a body pointer on a body that is not JSON as its media type (415), not the event', () => {
    const form = { kind: 'text', value: 'id=1&qty=2' } as const
    const formView = {
      ...view,
      headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    }
    expect(() => keyOf({ from: 'body', pointer: '/id' }, formView, form)).toThrow(
      expect.objectContaining({
        code: 'unsupported-media-type',
        message: expect.stringContaining('a body of application/x-www-form-urlencoded has none'),
      })
    )
  })

  it('takes keys from path, query, header or each event', () => {
    const event = { kind: 'json', value: { order: { id: 42 } } } as const
    expect(keyOf({ from: 'path', name: 'id' }, view, event)).toEqual({
      kind: 'text',
      value: 'dev-7',
    })
    expect(keyOf({ from: 'query', name: 'k' }, view, event)).toEqual({ kind: 'text', value: 'q' })
    expect(keyOf({ from: 'header', name: 'x-key' }, view, event)).toEqual({
      kind: 'text',
      value: 'h',
    })
    expect(keyOf({ from: 'body', pointer: '/order/id' }, view, event)).toEqual({
      kind: 'text',
      value: '42',
    })
    expect(keyOf({ from: 'body', pointer: '/order' }, view, event)).toEqual({
      kind: 'json',
      value: { id: 42 },
    })
    expect(keyOf({ from: 'body', pointer: '/missing' }, view, event)).toEqual({
      missing: 'no key at /missing',
    })
    expect(keyOf(undefined, view, event)).toEqual({ kind: 'null' })
    expect(() => keyOf({ from: 'query', name: 'absent' }, view, event)).toThrow(
      /"absent", which is missing/
    )
  })

  it('takes a partition from config or the request, and rejects non-numbers', () => {
    expect(partitionOf(3, view)).toBe(3)
    expect(partitionOf({ from: 'query', name: 'p' }, view)).toBe(2)
    expect(partitionOf(undefined, view)).toBeUndefined()
    expect(() => partitionOf({ from: 'path', name: 'id' }, view)).toThrow(
      /not a non-negative integer/
    )
  })

  it('forwards allow-listed headers, renames, sets fixed ones and carries trace context', () => {
    const map = headerMapper({
      forward: ['X-Request-Id', 'x-ten*'],
      rename: { 'x-request-id': 'request_id' },
      set: { source: 'weir' },
      traceContext: true,
    })
    const out = Object.fromEntries(
      Object.entries(map(view.headers)).map(([k, v]) => [k, v.toString()])
    )
    expect(out).toEqual({
      request_id: 'r1',
      'x-tenant': 'acme',
      traceparent: '00-abc-def-01',
      source: 'weir',
    })
  })
})
