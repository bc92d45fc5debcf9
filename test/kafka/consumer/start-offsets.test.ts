import { describe, expect, it } from 'vitest'
import { chooseStartOffsets, type Watermarks } from '../../../src/kafka/consumer/start-offsets.ts'

const T = 'orders'
// Partition 0 holds 10..19 (older records deleted), partition 1 holds 0..4, partition 2 is empty.
const watermarks: Watermarks[] = [
  { partition: 0, low: '10', high: '20' },
  { partition: 1, low: '0', high: '5' },
  { partition: 2, low: '0', high: '0' },
]

const asObject = (offsets: Map<number, string>) => Object.fromEntries(offsets)

describe('chooseStartOffsets', () => {
  it('starts at the low or the high watermark for earliest and latest', () => {
    expect(asObject(chooseStartOffsets(T, watermarks, 'earliest'))).toEqual({
      0: '10',
      1: '0',
      2: '0',
    })
    expect(asObject(chooseStartOffsets(T, watermarks, 'latest'))).toEqual({
      0: '20',
      1: '5',
      2: '0',
    })
  })

  it('keeps an offset start within each log', () => {
    expect(asObject(chooseStartOffsets(T, watermarks, { offset: 3 }))).toEqual({
      0: '10', // below the log: its first record
      1: '3',
      2: '0', // past the end: the end
    })
  })

  it('uses the broker answer for a timestamp, else the end of the log', () => {
    const byTimestamp = new Map([
      [0, '15'],
      [1, '5'],
    ])
    expect(asObject(chooseStartOffsets(T, watermarks, { timestamp: 1 }, byTimestamp))).toEqual({
      0: '15',
      1: '5',
      2: '0',
    })
  })

  it('resumes listed partitions where given and starts the others at the start', () => {
    const positions = [
      { topic: T, partition: 0, offset: '12' },
      { topic: T, partition: 1, offset: '99' }, // past the end: clamped
      { topic: 'other', partition: 2, offset: '0' }, // another topic: ignored here
    ]
    expect(asObject(chooseStartOffsets(T, watermarks, 'latest', new Map(), positions))).toEqual({
      0: '12',
      1: '5',
      2: '0',
    })
  })
})
