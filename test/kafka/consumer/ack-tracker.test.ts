import { describe, expect, it } from 'vitest'
import { AckTracker } from '../../../src/kafka/consumer/ack-tracker.ts'

const T = 'orders'

/** Delivers offsets from..to (inclusive) of partition 0 to `subscribers`. */
function deliver(tracker: AckTracker, from: number, to: number, subscribers: number[]): void {
  for (let offset = from; offset <= to; offset++) {
    tracker.delivered(T, 0, String(offset), subscribers)
  }
}

describe('AckTracker', () => {
  it('commits up to the first record not acknowledged, whatever the ack order', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 10, 19, [1])
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '10' }])
    for (const offset of [12, 10, 11, 14]) tracker.ack(1, T, 0, String(offset))
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '13' }])
    tracker.ack(1, T, 0, '13')
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '15' }])
    for (let offset = 15; offset <= 19; offset++) tracker.ack(1, T, 0, String(offset))
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '20' }])
    expect(tracker.unacked(1)).toBe(0)
  })

  it('holds the commit at the slowest of several subscribers', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 0, 9, [1, 2])
    for (let offset = 0; offset < 10; offset++) tracker.ack(1, T, 0, String(offset))
    for (let offset = 0; offset < 4; offset++) tracker.ack(2, T, 0, String(offset))
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '4' }])
  })

  it('does not hold a subscriber to records delivered before it came', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 0, 4, [1])
    deliver(tracker, 5, 9, [1, 2])
    for (let offset = 0; offset < 10; offset++) tracker.ack(1, T, 0, String(offset))
    for (let offset = 5; offset < 10; offset++) tracker.ack(2, T, 0, String(offset))
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '10' }])
  })

  it('ignores acks for records a subscriber never got, twice, or nonsense', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 0, 2, [1])
    tracker.ack(1, T, 0, '7')
    tracker.ack(1, T, 1, '0')
    tracker.ack(2, T, 0, '0')
    tracker.ack(1, T, 0, 'x')
    tracker.ack(1, T, 0, '1')
    tracker.ack(1, T, 0, '1')
    expect(tracker.unacked(1)).toBe(2)
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '0' }])
  })

  it('reports only offsets past the last commit', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 0, 1, [1])
    tracker.ack(1, T, 0, '0')
    const first = tracker.committable()
    expect(first).toEqual([{ topic: T, partition: 0, offset: '1' }])
    tracker.markCommitted(first)
    expect(tracker.committable()).toEqual([])
    tracker.ack(1, T, 0, '1')
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '2' }])
  })

  it('keeps partitions and topics apart', () => {
    const tracker = new AckTracker(100)
    tracker.delivered(T, 0, '5', [1])
    tracker.delivered(T, 1, '7', [1])
    tracker.delivered('other', 0, '3', [1])
    tracker.ack(1, T, 1, '7')
    expect(tracker.committable()).toEqual([
      { topic: T, partition: 0, offset: '5' },
      { topic: T, partition: 1, offset: '8' },
      { topic: 'other', partition: 0, offset: '3' },
    ])
  })

  it('releases a leaving subscriber with where to read again, and rewinds there', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 0, 9, [1, 2])
    for (let offset = 0; offset < 6; offset++) tracker.ack(1, T, 0, String(offset))
    for (let offset = 0; offset < 3; offset++) tracker.ack(2, T, 0, String(offset))
    // 2 leaves owing 3..9; 1 still owes 6..9: read again from 3, the commit point.
    const points = tracker.release(2)
    expect(points).toEqual([{ topic: T, partition: 0, offset: '3' }])
    tracker.rewind(T, 0, '3')
    // Claims from 3 on are gone (they come again); the commit holds at 3 until redelivered.
    expect(tracker.unacked(1)).toBe(0)
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '3' }])
    deliver(tracker, 3, 9, [1])
    for (let offset = 3; offset < 10; offset++) tracker.ack(1, T, 0, String(offset))
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '10' }])
  })

  it('has nothing to read again for a subscriber that acked everything', () => {
    const tracker = new AckTracker(100)
    deliver(tracker, 0, 2, [1])
    for (let offset = 0; offset < 3; offset++) tracker.ack(1, T, 0, String(offset))
    expect(tracker.release(1)).toEqual([])
    expect(tracker.release(1)).toEqual([])
  })

  it('is over the limit at maxUnacked and back under at half of it', () => {
    const tracker = new AckTracker(4)
    deliver(tracker, 0, 2, [1])
    expect(tracker.anyOver).toBe(false)
    deliver(tracker, 3, 3, [1])
    expect(tracker.anyOver).toBe(true)
    expect(tracker.ack(1, T, 0, '0')).toBe(false)
    expect(tracker.anyOver).toBe(true)
    expect(tracker.ack(1, T, 0, '1')).toBe(true)
    expect(tracker.anyOver).toBe(false)
  })

  it('clears the limit when an over-limit subscriber leaves or a rewind drops its claims', () => {
    const left = new AckTracker(2)
    deliver(left, 0, 1, [1])
    expect(left.anyOver).toBe(true)
    left.release(1)
    expect(left.anyOver).toBe(false)

    const rewound = new AckTracker(2)
    deliver(rewound, 0, 1, [1])
    rewound.rewind(T, 0, '0')
    expect(rewound.anyOver).toBe(false)
    expect(rewound.unacked(1)).toBe(0)
  })

  it('forgets every claim and position after a reset (a group rejoin)', () => {
    const tracker = new AckTracker(2)
    deliver(tracker, 0, 5, [1])
    tracker.reset()
    expect(tracker.committable()).toEqual([])
    expect(tracker.anyOver).toBe(false)
    expect(tracker.unacked(1)).toBe(0)
    tracker.ack(1, T, 0, '0') // from before the reset: ignored
    deliver(tracker, 3, 3, [1])
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '3' }])
  })

  it('keeps memory to the unacknowledged records over a long run', () => {
    const tracker = new AckTracker(1_000_000)
    for (let offset = 0; offset < 100_000; offset++) {
      tracker.delivered(T, 0, String(offset), [1])
      if (offset >= 10) tracker.ack(1, T, 0, String(offset - 10))
    }
    expect(tracker.unacked(1)).toBe(10)
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '99990' }])
  })

  it('handles offsets beyond 2^53', () => {
    const tracker = new AckTracker(10)
    tracker.delivered(T, 0, '9007199254740993', [1])
    tracker.delivered(T, 0, '9007199254740994', [1])
    tracker.ack(1, T, 0, '9007199254740993')
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: '9007199254740994' }])
  })
})
