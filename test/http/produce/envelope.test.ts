import { describe, expect, it } from 'vitest'
import { envelope } from '../../../src/http/produce/envelope.ts'

const url = new URL('http://gw/orders?src=web&x=1')

describe('envelope', () => {
  it('wraps a JSON request with body_args and without credentials', async () => {
    const headers = new Headers({
      'content-type': 'application/json',
      authorization: 'Bearer secret',
      'x-trace': 't',
    })
    const value = await envelope({ method: 'POST', url, headers, body: Buffer.from('{"a":1}') })
    expect(value).toEqual({
      method: 'POST',
      uri: '/orders',
      uri_args: { src: 'web', x: '1' },
      headers: { 'content-type': 'application/json', 'x-trace': 't' },
      body: '{"a":1}',
      body_args: { a: 1 },
    })
  })

  it('parses form-urlencoded and multipart bodies into body_args', async () => {
    const form = await envelope({
      method: 'POST',
      url,
      headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: Buffer.from('a=1&b=two'),
    })
    expect(form.body_args).toEqual({ a: '1', b: 'two' })

    const boundary = 'XyZ'
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="field"',
      '',
      'value',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.bin"',
      'Content-Type: application/octet-stream',
      '',
      'BIN',
      `--${boundary}--`,
      '',
    ].join('\r\n')
    const parsed = await envelope({
      method: 'POST',
      url,
      headers: new Headers({ 'content-type': `multipart/form-data; boundary=${boundary}` }),
      body: Buffer.from(multipart),
    })
    expect(parsed.body_args).toEqual({
      field: 'value',
      file: {
        filename: 'a.bin',
        content_type: 'application/octet-stream',
        body_base64: Buffer.from('BIN').toString('base64'),
      },
    })
  })

  it('base64-encodes bodies that are not text', async () => {
    const value = await envelope({
      method: 'PUT',
      url,
      headers: new Headers({ 'content-type': 'image/png' }),
      body: Buffer.from([0, 255]),
    })
    expect(value).toMatchObject({ body: 'AP8=', body_base64: true })
  })
})
