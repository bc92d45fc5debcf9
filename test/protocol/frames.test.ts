// FrameSplitter.pushCopy: frames cut from bytes lent only for the call (a socket reading into one
// buffer it reuses) are the frames push cuts, and keep nothing of the lent buffer.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodecError } from '../../src/protocol/codec-error.ts'
import { FrameSplitter, frame } from '../../src/protocol/frames.ts'

/** Feeds `stream` in pieces cut at `cuts`, each through one reused buffer, wiped after the call. */
function throughLentBuffer(splitter: FrameSplitter, stream: Buffer, cuts: number[]): Buffer[] {
  const lent = Buffer.alloc(stream.length)
  const frames: Buffer[] = []
  let from = 0
  for (const to of [
    ...cuts.map((c) => c % (stream.length + 1)).sort((a, b) => a - b),
    stream.length,
  ]) {
    if (to < from) continue
    stream.copy(lent, 0, from, to)
    frames.push(...splitter.pushCopy(lent.subarray(0, to - from)))
    lent.fill(0xee)
    from = to
  }
  return frames
}

describe('FrameSplitter.pushCopy', () => {
  it('cuts the frames push cuts, wherever the reads end, copying what it keeps', () => {
    const payloads = fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 })
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(), { maxLength: 8 }), (list, cuts) => {
        const stream = Buffer.concat(list.map((p) => frame(p)))
        const frames = throughLentBuffer(new FrameSplitter(1000), stream, cuts)
        expect(frames.map((f) => Buffer.from(f))).toEqual(list.map((p) => Buffer.from(p)))
      }),
      { numRuns: 200 }
    )
  })

  it('gathers a frame in the buffer its allocator gives, and counts what it holds', () => {
    const given: Buffer[] = []
    const splitter = new FrameSplitter(1000, (n) => given[given.push(Buffer.alloc(n)) - 1]!)
    const stream = frame(Buffer.from('hello world'))
    expect(splitter.pushCopy(stream.subarray(0, 2))).toEqual([])
    expect(splitter.buffered).toBe(2)
    expect(splitter.pushCopy(stream.subarray(2, 9))).toEqual([])
    // As push counts: the payload's bytes once the size prefix is read.
    expect(splitter.buffered).toBe(5)
    const [out] = splitter.pushCopy(stream.subarray(9))
    expect(out).toBe(given[0])
    expect(out?.toString()).toBe('hello world')
    expect(splitter.buffered).toBe(0)
  })

  it('refuses a size prefix outside the limit before allocating', () => {
    const splitter = new FrameSplitter(10, () => {
      throw new Error('allocated')
    })
    expect(() => splitter.pushCopy(frame(Buffer.alloc(11)))).toThrow(
      new CodecError('frame size 11 is outside 0..10')
    )
  })
})
