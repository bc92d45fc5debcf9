import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GatewayError, wsCloseCode } from '../../../../src/core/errors.ts'
import {
  closeReason,
  errorFrame,
  gapFrame,
  parseClientFrame,
  recordFrame,
} from '../../../../src/http/streams/websocket/frames.ts'
import { serializeRecord } from '../../../../src/stream/record-json.ts'
import type { StreamRecord } from '../../../../src/stream/record.ts'

const text = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))

/** The refusal of a frame, with the close code the connection ends with. */
function frameError(data: Buffer, isBinary = false): { code: number; message: string } {
  try {
    parseClientFrame(data, isBinary)
  } catch (err) {
    if (err instanceof GatewayError) return { code: wsCloseCode(err.code), message: err.message }
    throw err
  }
  throw new Error('the frame was accepted')
}

describe('parseClientFrame', () => {
  it('refuses binary frames with 1003', () => {
    const error = frameError(text({ type: 'ack' }), true)
    expect(error.code).toBe(1003)
    expect(error.message).toContain('binary')
  })

  it.each(['', 'not json', '{"type":', "{'type':'subscribe'}"])(
    'refuses %j, which is not JSON, with 1007',
    (data) => {
      const error = frameError(text(data))
      expect(error.code).toBe(1007)
      expect(error.message).toBe('the frame is not JSON')
    }
  )

  it.each([
    [{ type: 'ack', topic: 'orders', partition: -1, offset: '1' }, 'partition'],
    [{ type: 'ack', topic: 'orders', partition: 0, offset: '1e3' }, 'offset'],
    [{ type: 'ack', topic: 'orders', partition: 0, offset: -1 }, 'offset'],
    [{ type: 'ack', topic: '', partition: 0, offset: '1' }, 'topic'],
    [{ type: 'subscribe', topics: [] }, 'topics'],
    [{ type: 'subscribe', topics: ['orders', ''] }, 'topics.1'],
    [{ type: 'subscribe', id: 'x'.repeat(65) }, 'id'],
    [{ type: 'unsubscribe' }, 'id'],
    [{ type: 'publish' }, 'type'],
  ])('refuses %j with 1007 at %s', (frame, path) => {
    const error = frameError(text(frame))
    expect(error.code).toBe(1007)
    expect(error.message).toContain(`not a weir.v1 frame at ${path}:`)
  })

  it.each([[[]], [42], ['"subscribe"'], [null]])('refuses the JSON value %j with 1007', (json) => {
    const error = frameError(text(JSON.stringify(json)))
    expect(error.code).toBe(1007)
    expect(error.message).toMatch(/^not a weir\.v1 frame/)
  })

  it('refuses unknown fields (strict frames)', () => {
    const error = frameError(text({ type: 'unsubscribe', id: 's1', extra: true }))
    expect(error.code).toBe(1007)
  })

  it('accepts subscribe frames, bare or with every field', () => {
    expect(parseClientFrame(text({ type: 'subscribe' }), false)).toEqual({ type: 'subscribe' })
    const full = {
      type: 'subscribe',
      id: 'live',
      topics: ['orders', 'payments'],
      from: 'earliest',
      cursor: '1~orders~5',
    }
    expect(parseClientFrame(text(full), false)).toEqual(full)
  })

  it('accepts unsubscribe frames', () => {
    const frame = { type: 'unsubscribe', id: 's1' }
    expect(parseClientFrame(text(frame), false)).toEqual(frame)
  })

  it('accepts ack frames with the offset as a string or a number', () => {
    const asString = { type: 'ack', topic: 'orders', partition: 2, offset: '9223372036854775807' }
    expect(parseClientFrame(text(asString), false)).toEqual(asString)
    const asNumber = { type: 'ack', topic: 'orders', partition: 0, offset: 41 }
    expect(parseClientFrame(text(asNumber), false)).toEqual(asNumber)
  })

  it('reads the frame as UTF-8', () => {
    const frame = { type: 'subscribe', id: 'ünï' }
    expect(parseClientFrame(Buffer.from(JSON.stringify(frame), 'utf8'), false)).toEqual(frame)
  })
})

const record: StreamRecord = {
  topic: 'orders',
  partition: 1,
  offset: '7',
  timestamp: '1700000000000',
  key: 'o-1',
  headers: { source: 'web' },
  value: { status: 'paid', note: 'ünïcödé "quoted"' },
  tombstone: false,
  encoding: { key: 'text', value: 'json' },
}

describe('server frames', () => {
  it('splices "type":"record" into the shared JSON of a record', () => {
    const frame = recordFrame(record).toString('utf8')
    expect(JSON.parse(frame)).toEqual({ type: 'record', ...record })
    expect(frame).toBe(`{"type":"record",${serializeRecord(record).json.slice(1)}`)
    expect(frame.startsWith('{"type":"record","topic":"orders"')).toBe(true)
    // Made once, shared by every subscriber the record goes to.
    expect(recordFrame(record)).toBe(recordFrame(record))
  })

  it('writes gap notices as they are', () => {
    const gap = {
      type: 'gap' as const,
      skipped: 2,
      ranges: [{ topic: 'orders', partition: 0, from: '3', to: '4' }],
    }
    expect(JSON.parse(gapFrame(gap))).toEqual(gap)
  })

  it('writes errors as problems, with the subscription id when there is one', () => {
    const error = new GatewayError('forbidden', 'not yours')
    expect(JSON.parse(errorFrame(error, 's1'))).toMatchObject({
      type: 'error',
      id: 's1',
      problem: { status: 403, detail: 'not yours' },
    })
    expect(JSON.parse(errorFrame(error))).not.toHaveProperty('id')
  })
})

describe('closeReason', () => {
  it('keeps reasons of at most 123 bytes as they are', () => {
    expect(closeReason('going away')).toBe('going away')
    const limit = 'x'.repeat(123)
    expect(closeReason(limit)).toBe(limit)
  })

  it('cuts longer ones to 123 bytes with an ellipsis', () => {
    const cut = closeReason('x'.repeat(500))
    expect(cut).toBe(`${'x'.repeat(120)}…`)
    expect(Buffer.byteLength(cut)).toBe(123)
  })

  it('counts bytes, not characters, of multi-byte text', () => {
    const accents = 'é'.repeat(100) // 200 bytes, 100 characters
    const cut = closeReason(accents)
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123)
    expect(cut).toBe(`${'é'.repeat(60)}…`)
  })

  it('does not cut a character in half (no lone surrogate)', () => {
    const cut = closeReason(`a${'😀'.repeat(60)}`)
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123)
    expect(cut.isWellFormed()).toBe(true)
    expect(cut).toBe(`a${'😀'.repeat(29)}…`)
  })

  it('always fits in 123 bytes of UTF-8 and keeps a prefix of the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 20, maxLength: 300 }), (reason) => {
        const cut = closeReason(reason)
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123)
        if (cut !== reason) expect(reason.startsWith(cut.slice(0, -1))).toBe(true)
        expect(cut.isWellFormed()).toBe(true)
      })
    )
  })
})
