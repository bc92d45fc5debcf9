import { describe, expect, it } from 'vitest'
import { ReadProgress } from '../../../src/kafka/reader/read-progress.ts'

const offsets = (entries: [number, bigint][]) => new Map(entries)

describe('a topic reader’s progress', () => {
  it('is caught up once every partition reached its end offset at start', async () => {
    const progress = new ReadProgress()
    progress.start(
      offsets([
        [0, 0n],
        [1, 0n],
        [2, 5n],
      ]),
      offsets([
        [0, 10n],
        [1, 0n],
        [2, 5n],
      ])
    )
    await Promise.resolve()
    expect(progress.caughtUp).toBe(false)
    progress.advanced(0, 9n)
    await Promise.resolve()
    expect(progress.caughtUp).toBe(false)
    progress.advanced(0, 10n)
    await progress.caughtUpAtStart
    expect(progress.caughtUp).toBe(true)
  })

  it('counts an empty topic, or one read from its end, as caught up at once', async () => {
    const empty = new ReadProgress()
    empty.start(offsets([[0, 0n]]), offsets([[0, 0n]]))
    await empty.caughtUpAtStart
    const none = new ReadProgress()
    none.start(new Map(), new Map())
    await none.caughtUpAtStart
    expect([empty.caughtUp, none.caughtUp]).toEqual([true, true])
  })

  it('keeps its first start (records written later are not waited for by readiness)', async () => {
    const progress = new ReadProgress()
    progress.start(offsets([[0, 0n]]), offsets([[0, 3n]]))
    progress.start(offsets([[0, 0n]]), offsets([[0, 100n]]))
    progress.advanced(0, 3n)
    await progress.caughtUpAtStart
    expect(progress.caughtUp).toBe(true)
  })

  it('answers a wait for later end offsets once the reader got there, and not before', async () => {
    const progress = new ReadProgress()
    progress.start(offsets([[0, 4n]]), offsets([[0, 4n]]))
    let reached: boolean | undefined
    const waiting = progress
      .until(
        offsets([
          [0, 6n],
          [1, 2n],
        ]),
        10_000
      )
      .then((r) => (reached = r))
    progress.advanced(0, 6n)
    await Promise.resolve()
    expect(reached).toBeUndefined()
    // A partition the reader had no position for counts from 0.
    progress.advanced(1, 2n)
    expect(await waiting).toBe(true)
  })

  it('waits that begin before the start offsets are known are judged once they are', async () => {
    const progress = new ReadProgress()
    const waiting = progress.until(offsets([[0, 5n]]), 10_000)
    progress.start(offsets([[0, 5n]]), offsets([[0, 5n]]))
    expect(await waiting).toBe(true)
  })

  it('gives up after its time, and at stop, without reaching', async () => {
    const progress = new ReadProgress()
    progress.start(offsets([[0, 0n]]), offsets([[0, 0n]]))
    expect(await progress.until(offsets([[0, 1n]]), 5)).toBe(false)
    const waiting = progress.until(offsets([[0, 1n]]), 10_000)
    progress.stop()
    expect(await waiting).toBe(false)
    expect(await progress.until(offsets([[0, 0n]]), 10_000)).toBe(false)
  })
})
