// The weir-encryption header: round-trips, stays small, and refuses what it cannot read.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  decodeHeader,
  encodeHeader,
  MalformedHeaderError,
  type EncryptionHeader,
} from '../../../src/policy/encrypt/index.ts'

const header: EncryptionHeader = {
  kms: 'local',
  kekId: 'orders',
  wrappedDek: randomBytes(61),
  algorithm: 'AES-256-GCM',
  targets: ['/ssn', '/card/number'],
}

describe('the weir-encryption header', () => {
  it('round-trips, in a few bytes more than the wrapped key', () => {
    const bytes = encodeHeader(header)
    expect(decodeHeader(bytes)).toEqual(header)
    // version and algorithm, then each field after its length: kms, KEK id, wrapped key, targets
    expect(bytes.length).toBe(2 + (1 + 5) + (2 + 6) + (2 + 61) + 1 + (2 + 4) + (2 + 12))
  })

  it('says "" for the whole value', () => {
    expect(decodeHeader(encodeHeader({ ...header, targets: [''] })).targets).toEqual([''])
  })

  it.each([
    ['cut short', (b: Buffer) => b.subarray(0, b.length - 1), /cut short/],
    ['trailing bytes', (b: Buffer) => Buffer.concat([b, Buffer.of(0)]), /trailing bytes/],
    ['another version', (b: Buffer) => Buffer.concat([Buffer.of(9), b.subarray(1)]), /version 9/],
    [
      'another algorithm',
      (b: Buffer) => Buffer.concat([Buffer.of(1, 7), b.subarray(2)]),
      /algorithm 7/,
    ],
  ])('refuses a header %s as an invalid record', (_, alter, message) => {
    const read = () => decodeHeader(alter(encodeHeader(header)))
    expect(read).toThrow(MalformedHeaderError)
    expect(read).toThrow(message)
    try {
      read()
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid-record' })
    }
  })
})
