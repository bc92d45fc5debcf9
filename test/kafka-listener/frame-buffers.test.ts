// The pool large broker responses are gathered in: a buffer given back is lent again (no fresh
// memory per Fetch response), small frames are never lent, and the pool stays bounded.
import { describe, expect, it } from 'vitest'
import { FrameSplitter } from '../../src/protocol/frames.ts'
import { FrameBuffers } from '../../src/kafka-listener/frame-buffers.ts'

const MiB = 1024 * 1024

function framed(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(4)
  prefix.writeInt32BE(payload.length)
  return Buffer.concat([prefix, payload])
}

describe('FrameBuffers', () => {
  it('lends the memory given back to the next frame that fits', () => {
    const buffers = new FrameBuffers()
    const first = buffers.allocate(3 * MiB + 5)
    expect(first).toHaveLength(3 * MiB + 5)
    expect(buffers.lent(first)).toBe(true)
    // Lent out, it is not lent twice.
    const second = buffers.allocate(2 * MiB)
    expect(second.buffer).not.toBe(first.buffer)
    buffers.release(first)
    expect(buffers.lent(first)).toBe(false)
    expect(buffers.pooledBytes).toBe(4 * MiB)
    const third = buffers.allocate(3 * MiB)
    expect(third.buffer).toBe(first.buffer)
    expect(buffers.pooledBytes).toBe(0)
  })

  it('lends the smallest buffer that fits', () => {
    const buffers = new FrameBuffers()
    const [big, small] = [buffers.allocate(8 * MiB), buffers.allocate(MiB)]
    buffers.release(big)
    buffers.release(small)
    expect(buffers.allocate(100_000).buffer).toBe(small.buffer)
  })

  it('never lends small frames, and ignores what it did not lend or took back already', () => {
    const buffers = new FrameBuffers()
    const small = buffers.allocate(1000)
    expect(buffers.lent(small)).toBe(false)
    buffers.release(small)
    buffers.release(Buffer.alloc(MiB))
    expect(buffers.pooledBytes).toBe(0)
    const lent = buffers.allocate(MiB)
    buffers.release(lent)
    buffers.release(lent)
    expect(buffers.pooledBytes).toBe(MiB)
  })

  it('keeps at most 64 MiB for reuse', () => {
    const buffers = new FrameBuffers()
    const lent = [40, 20, 10].map((n) => buffers.allocate(n * MiB))
    for (const b of lent) buffers.release(b)
    expect(buffers.pooledBytes).toBe(60 * MiB)
  })

  it('is where a FrameSplitter gathers a frame spread over several chunks', () => {
    const buffers = new FrameBuffers()
    const splitter = new FrameSplitter(16 * MiB, buffers.allocate)
    const payload = Buffer.alloc(200_000, 7)
    const bytes = framed(payload)
    expect(splitter.push(bytes.subarray(0, 70_000))).toEqual([])
    const [frame] = splitter.push(bytes.subarray(70_000))
    expect(frame?.equals(payload)).toBe(true)
    expect(buffers.lent(frame as Buffer)).toBe(true)
  })
})
