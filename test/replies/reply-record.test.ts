import { describe, expect, it } from 'vitest'
import { replyFromRecord, replyStatus } from '../../src/replies/reply-record.ts'
import type { ConsumedRecord } from '../../src/kafka/consumer/types.ts'

const record = (headers: ConsumedRecord['headers'], value: string | null = '{"ok":true}') => ({
  topic: 'replies',
  partition: 0,
  offset: '7',
  timestamp: '0',
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers,
})

describe('reply records', () => {
  it('reads the status, body and response headers the service set', () => {
    const reply = replyFromRecord(
      record({
        'weir-correlation-id': Buffer.from('id-1'),
        'weir-status': Buffer.from('201'),
        'Content-Type': Buffer.from('application/json'),
        'x-order': Buffer.from('o-9'),
        'weir-reply-to': Buffer.from('replies'),
        'transfer-encoding': Buffer.from('chunked'),
        'bad name': Buffer.from('x'),
        'x-injected': Buffer.from('a\r\nset-cookie: b'),
      }),
      5000
    )
    expect(reply).toMatchObject({
      id: 'id-1',
      status: 201,
      headers: { 'content-type': 'application/json', 'x-order': 'o-9' },
      expiresAt: 5000,
    })
    expect(Object.keys(reply?.headers ?? {})).toEqual(['content-type', 'x-order'])
    expect(reply?.body?.toString()).toBe('{"ok":true}')
  })

  it('needs a correlation id; statuses Weir cannot send are the service failing', () => {
    expect(replyFromRecord(record({}), 0)).toBeUndefined()
    expect(replyStatus(undefined)).toBe(200)
    expect(replyStatus('404')).toBe(404)
    expect(replyStatus('101')).toBe(502)
    expect(replyStatus('2000')).toBe(502)
    expect(replyStatus('abc')).toBe(502)
  })
})
