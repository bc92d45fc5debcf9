import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { frame, unframe } from '../../src/schema/wire-format.ts'

describe('Confluent wire format', () => {
  it('frames a payload as magic byte 0, big-endian schema id, payload', () => {
    const bytes = frame(258, Buffer.from('hi'))
    expect([...bytes]).toEqual([0, 0, 0, 1, 2, 0x68, 0x69])
  })

  it('unframes what it framed', () => {
    const { schemaId, payload } = unframe(frame(2_000_000_000, Buffer.from([1, 2, 3])))
    expect(schemaId).toBe(2_000_000_000)
    expect([...payload]).toEqual([1, 2, 3])
  })

  it('accepts an empty payload and a plain Uint8Array', () => {
    const framed = new Uint8Array(frame(7, Buffer.alloc(0)))
    expect(unframe(framed)).toEqual({ schemaId: 7, payload: Buffer.alloc(0) })
  })

  it('refuses input shorter than the header, saying so', () => {
    const err = catchError(() => unframe(Buffer.from([0, 0, 1])))
    expect(err).toBeInstanceOf(GatewayError)
    expect(err.code).toBe('invalid-record')
    expect(err.detail).toMatch(/3 bytes, fewer than the 5-byte header/)
  })

  it('refuses a wrong magic byte, naming it', () => {
    const err = catchError(() => unframe(Buffer.from('{"json": true}')))
    expect(err.code).toBe('invalid-record')
    expect(err.detail).toMatch(/first byte is 123, not the magic byte 0/)
  })
})

function catchError(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (err) {
    return err as GatewayError
  }
  throw new Error('expected an error')
}
