// Every request, response and header of every version: arbitrary messages survive encode then
// decode unchanged, and re-encode to the same bytes; random, truncated and corrupted bytes
// decode to a message or a CodecError, never anything else.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodecError } from '../../src/protocol/codec-error.ts'
import { Reader } from '../../src/protocol/reader.ts'
import { Writer } from '../../src/protocol/writer.ts'
import { MessageArbitraries } from './support/arbitraries.ts'
import { messageVersions, type MessageCodec } from './support/codecs.ts'

function encode(codec: MessageCodec, version: number, message: unknown): Buffer {
  const w = new Writer(16)
  codec.write(w, version, message)
  return w.finish()
}

/** Decodes, or returns the CodecError; any other error fails the test. */
function decodeOrCodecError(codec: MessageCodec, version: number, bytes: Buffer): unknown {
  try {
    return codec.read(new Reader(bytes), version)
  } catch (err) {
    if (err instanceof CodecError) return err
    throw err
  }
}

describe.each(messageVersions)('%s', (_label, codec, version) => {
  const messages = new MessageArbitraries(codec.schema, version).message()

  it('round-trips arbitrary messages', () => {
    fc.assert(
      fc.property(messages, (message) => {
        const bytes = encode(codec, version, message)
        const r = new Reader(bytes)
        const decoded = codec.read(r, version)
        expect(r.remaining).toBe(0)
        expect(decoded).toEqual(message)
        expect(encode(codec, version, decoded).equals(bytes)).toBe(true)
      }),
      { numRuns: 40 }
    )
  })

  it('decodes random, truncated and corrupted bytes to a message or a CodecError', () => {
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)),
      fc
        .tuple(messages, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }))
        .map(([message, cut, at, xor]) => {
          const bytes = Buffer.from(encode(codec, version, message))
          if (cut % 2 === 0) return bytes.subarray(0, cut % Math.max(1, bytes.length))
          if (bytes.length) bytes[at % bytes.length]! ^= xor
          return bytes
        })
    )
    fc.assert(
      fc.property(inputs, (bytes) => {
        decodeOrCodecError(codec, version, bytes)
      }),
      { numRuns: 40 }
    )
  })
})
