// Two clients at once: their aggregate throughput is over the span they ran together, not the sum
// of their own rates, and each client's share keeps its own time.
import { describe, expect, it } from 'vitest'
import { clientRounds, rateOf, roundOf } from '../../../bench/scenarios/kafka-proxy-secure-runs.ts'

const run = (records: number, seconds: number) => ({ records, seconds })

describe('kafka-proxy-secure rounds', () => {
  it('spans two clients from the earliest start to the latest end', () => {
    // Client 1 ran 10 s and exited at 20 s; client 2 ran 8 s and exited at 21 s: 10 s to 21 s.
    const round = roundOf(
      [
        { run: run(100_000, 10), at: 20 },
        { run: run(100_000, 8), at: 21 },
      ],
      (r) => r.seconds
    )
    expect(round.spans).toEqual([10, 8])
    expect(round.seconds).toBe(11)
    // 200 000 records over 11 s, not 10 000 + 12 500 records/s summed.
    expect(rateOf([round], (r) => r.records / 1000).recordsPerSec).toBeCloseTo(200_000 / 11, 6)
  })

  it('gives one client its own records over its own time across rounds', () => {
    const rounds = [
      roundOf(
        [
          { run: run(50_000, 5), at: 5 },
          { run: run(50_000, 10), at: 10 },
        ],
        (r) => r.seconds
      ),
      roundOf(
        [
          { run: run(50_000, 5), at: 30 },
          { run: run(50_000, 10), at: 30 },
        ],
        (r) => r.seconds
      ),
    ]
    const second = rateOf(clientRounds(rounds, 1), (r) => r.records / 1000)
    expect(second).toEqual({ recordsPerSec: 5_000, mibPerSec: 5 })
    const first = rateOf(clientRounds(rounds, 0), (r) => r.records / 1000)
    expect(first).toEqual({ recordsPerSec: 10_000, mibPerSec: 10 })
    // Together: 200 000 records over 10 s + 10 s.
    expect(rateOf(rounds, (r) => r.records).recordsPerSec).toBe(10_000)
  })

  it('times a lone client by its own measured time', () => {
    const round = roundOf([{ run: run(30_000, 3), at: 42 }], (r) => r.seconds)
    expect(round.seconds).toBe(3)
  })
})
