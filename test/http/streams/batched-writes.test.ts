import { describe, expect, it } from 'vitest'
import { holdWritesForThisTurn } from '../../../src/http/streams/batched-writes.ts'

function socket() {
  const calls: string[] = []
  return { calls, cork: () => void calls.push('cork'), uncork: () => void calls.push('uncork') }
}

const turnEnds = () => new Promise((resolve) => setImmediate(resolve))

describe('holdWritesForThisTurn', () => {
  it('corks each socket once per turn, however often asked, and uncorks them all as it ends', async () => {
    const a = socket()
    const b = socket()
    holdWritesForThisTurn(a)
    holdWritesForThisTurn(b)
    holdWritesForThisTurn(a)
    await Promise.resolve() // later in the same turn (a microtask: the next batch)
    holdWritesForThisTurn(a)
    expect([a.calls, b.calls]).toEqual([['cork'], ['cork']])
    await turnEnds()
    expect([a.calls, b.calls]).toEqual([
      ['cork', 'uncork'],
      ['cork', 'uncork'],
    ])
    holdWritesForThisTurn(a) // a new turn holds again
    await turnEnds()
    expect(a.calls).toEqual(['cork', 'uncork', 'cork', 'uncork'])
  })
})
