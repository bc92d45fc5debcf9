import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/core/errors.ts'
import { parseEvents, type BodyRequest } from '../../../src/http/produce/body.ts'

function request(
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
  batch = true
): BodyRequest {
  return {
    contentType,
    headers: new Headers({ 'content-type': contentType, ...extra }),
    body: Buffer.from(body),
    batch,
  }
}

function errorOf(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('expected a GatewayError')
}

describe('parseEvents', () => {
  it('takes a JSON object as one event and keeps its original bytes', () => {
    const [event] = parseEvents(request('application/json', '{"id":1}'))
    expect(event?.value).toEqual({ kind: 'json', value: { id: 1 }, raw: Buffer.from('{"id":1}') })
  })

  it('takes a JSON array as a batch, or as one event when batches are off', () => {
    expect(parseEvents(request('application/json', '[{"a":1},{"a":2}]'))).toHaveLength(2)
    const single = parseEvents(request('application/json', '[1,2]', {}, false))
    expect(single).toHaveLength(1)
    expect(single[0]?.value).toMatchObject({ kind: 'json', value: [1, 2] })
  })

  it('reads NDJSON line by line and names the bad line', () => {
    expect(parseEvents(request('application/x-ndjson', '{"a":1}\n\n{"a":2}\n'))).toHaveLength(2)
    const err = errorOf(() => parseEvents(request('application/x-ndjson', '{"a":1}\n{oops}\n')))
    expect(err.code).toBe('bad-request')
    expect(err.detail).toMatch(/^line 2 is not valid JSON/)
  })

  it('rejects malformed JSON and empty bodies with 400', () => {
    expect(errorOf(() => parseEvents(request('application/json', '{"a":'))).code).toBe(
      'bad-request'
    )
    expect(errorOf(() => parseEvents(request('application/json', ''))).detail).toBe(
      'the request body is empty'
    )
    expect(errorOf(() => parseEvents(request('application/json', '[]'))).detail).toBe(
      'the batch is empty'
    )
  })

  it('passes other media types through as bytes', () => {
    const [event] = parseEvents(request('application/octet-stream', '\u0001\u0002'))
    expect(event?.value).toEqual({ kind: 'bytes', value: Buffer.from([1, 2]) })
  })

  it('maps a binary-mode CloudEvent to ce_ headers', () => {
    const [event] = parseEvents(
      request('application/json', '{"x":1}', {
        'ce-specversion': '1.0',
        'ce-id': 'e1',
        'ce-source': '/shop',
        'ce-type': 'order.created',
      })
    )
    expect(event?.value).toMatchObject({ kind: 'json', value: { x: 1 } })
    expect(
      Object.fromEntries(Object.entries(event?.headers ?? {}).map(([k, v]) => [k, v.toString()]))
    ).toEqual({
      ce_specversion: '1.0',
      ce_id: 'e1',
      ce_source: '/shop',
      ce_type: 'order.created',
      'content-type': 'application/json',
    })
  })

  it('maps structured CloudEvents, single and batch, to the same binary form', () => {
    const ce = {
      specversion: '1.0',
      id: 'e1',
      source: '/shop',
      type: 't',
      datacontenttype: 'application/json',
      data: { x: 1 },
      custom: 'c',
    }
    const [single] = parseEvents(request('application/cloudevents+json', JSON.stringify(ce)))
    expect(single?.value).toEqual({ kind: 'json', value: { x: 1 } })
    expect(single?.headers.ce_custom?.toString()).toBe('c')
    expect(single?.headers['content-type']?.toString()).toBe('application/json')
    expect(
      parseEvents(request('application/cloudevents-batch+json', JSON.stringify([ce, ce])))
    ).toHaveLength(2)
    const [b64] = parseEvents(
      request(
        'application/cloudevents+json',
        JSON.stringify({ ...ce, data: undefined, data_base64: 'AQI=' })
      )
    )
    expect(b64?.value).toEqual({ kind: 'bytes', value: Buffer.from([1, 2]) })
  })

  it('says which CloudEvents attribute is missing', () => {
    const err = errorOf(() =>
      parseEvents(
        request('application/cloudevents+json', '{"specversion":"1.0","id":"1","type":"t"}')
      )
    )
    expect(err.detail).toBe('the body lacks the CloudEvents attribute "source"')
    const binary = errorOf(() =>
      parseEvents(request('text/plain', 'x', { 'ce-specversion': '1.0' }))
    )
    expect(binary.detail).toBe('binary CloudEvent lacks the ce-id header')
  })
})
