import { describe, expect, it } from 'vitest'
import { RecordBatcher, type BatchUnit } from '../../../src/kafka/producer/batcher.ts'
import type { OutgoingRecord, RecordAck } from '../../../src/kafka/producer/record.ts'

const one = (n: number, size = 10): OutgoingRecord => ({
  topic: 't',
  key: null,
  value: Buffer.alloc(size, n),
  headers: {},
})

/** One request's records, numbered from `n`; `bytes` each; `budget` for its topic. */
const unit = (
  n: number,
  options: { count?: number; bytes?: number; budget?: number; topic?: string } = {}
): BatchUnit => {
  const count = options.count ?? 1
  const records = Array.from({ length: count }, (_, i) => ({
    ...one(n + i),
    topic: options.topic ?? 't',
  }))
  return {
    topic: options.topic ?? 't',
    records,
    bytes: count * (options.bytes ?? 10),
    budget: options.budget ?? 1_000_000,
  }
}
const record = (n: number): BatchUnit => unit(n)

function harness(
  options: { lingerMs?: number; maxRecords?: number; maxBytes?: number; maxInFlight?: number } = {}
) {
  const batches: number[][] = []
  const releases: (() => void)[] = []
  const batcher = new RecordBatcher({
    lingerMs: options.lingerMs ?? 5,
    maxRecords: options.maxRecords ?? 100,
    maxBytes: options.maxBytes ?? 1_000_000,
    maxInFlight: options.maxInFlight ?? 1,
    flush: (records) =>
      new Promise<RecordAck[]>((resolve) => {
        batches.push(records.map((r) => r.value?.[0] ?? -1))
        releases.push(() =>
          resolve(
            records.map((_, i) => ({ topic: 't', partition: 0, offset: String(i), timestamp: '0' }))
          )
        )
      }),
  })
  return { batcher, batches, release: () => releases.shift()?.() }
}

describe('RecordBatcher', () => {
  it('gathers concurrent records into one batch after the linger time', async () => {
    const { batcher, batches, release } = harness()
    const acks = [1, 2, 3].map((n) => batcher.add(record(n)))
    expect(batches).toEqual([])
    await new Promise((r) => setTimeout(r, 10))
    expect(batches).toEqual([[1, 2, 3]])
    release()
    expect((await Promise.all(acks)).map(([a]) => a?.offset)).toEqual(['0', '1', '2'])
  })

  it('sends a full batch at once and splits by record count and bytes', async () => {
    const { batcher, batches, release } = harness({ lingerMs: 1000, maxRecords: 2, maxInFlight: 5 })
    const all = [1, 2, 3, 4].map((n) => batcher.add(record(n)))
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ])
    release()
    release()
    await Promise.all(all)

    const bytes = harness({ lingerMs: 0, maxBytes: 25, maxInFlight: 1 })
    const sent = [1, 2, 3].map((n) => bytes.batcher.add(record(n)))
    bytes.release()
    await new Promise((r) => setImmediate(r))
    bytes.release()
    await Promise.all(sent)
    expect(bytes.batches).toEqual([[1], [2, 3]])
  })

  it('keeps one batch in flight and sends what queued meanwhile right after it', async () => {
    const { batcher, batches, release } = harness({ lingerMs: 0 })
    const first = batcher.add(record(1))
    const later = [2, 3].map((n) => batcher.add(record(n)))
    expect(batches).toEqual([[1]])
    expect(batcher.pending).toBe(3)
    release()
    await first
    await new Promise((r) => setImmediate(r))
    expect(batches).toEqual([[1], [2, 3]])
    release()
    await Promise.all(later)
    expect(batcher.pending).toBe(0)
  })

  it('rejects every record of a failed batch and drains to idle', async () => {
    const batcher = new RecordBatcher({
      lingerMs: 50,
      maxRecords: 10,
      maxBytes: 1e6,
      maxInFlight: 1,
      flush: async () => Promise.reject(new Error('down')),
    })
    const results = Promise.allSettled([batcher.add(record(1)), batcher.add(record(2))])
    await batcher.drain()
    expect((await results).map((r) => r.status)).toEqual(['rejected', 'rejected'])
  })

  it("never splits a request's records across batches", async () => {
    const { batcher, batches, release } = harness({ lingerMs: 1000, maxRecords: 3, maxInFlight: 5 })
    const sent = [
      batcher.add(unit(1, { count: 2 })),
      batcher.add(unit(3, { count: 2 })),
      batcher.add(unit(5, { count: 4 })),
    ]
    void batcher.drain()
    // 2 + 2 records is over 3: the second request waits for the next batch; 4 go alone.
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6, 7, 8],
    ])
    release()
    release()
    release()
    expect((await Promise.all(sent)).map((acks) => acks.length)).toEqual([2, 2, 4])
  })

  it("keeps each topic's records within its budget, and sends a request over it alone", async () => {
    const { batcher, batches, release } = harness({ lingerMs: 1000, maxInFlight: 5 })
    const sent = [
      batcher.add(unit(1, { count: 2, bytes: 100, budget: 450 })),
      batcher.add(unit(3, { count: 2, bytes: 100, budget: 450 })),
      batcher.add(unit(5, { bytes: 400, budget: 450, topic: 'u' })),
      batcher.add(unit(6, { bytes: 100, budget: 450 })),
      batcher.add(unit(7, { bytes: 500, budget: 450, topic: 'u' })),
      batcher.add(unit(8, { bytes: 10, budget: 450, topic: 'u' })),
    ]
    void batcher.drain()
    expect(batches).toEqual([[1, 2, 3, 4, 5], [6], [7], [8]])
    batches.forEach(() => release())
    await Promise.all(sent)
  })

  it('fails a request when one of its records failed, and only that request', async () => {
    const batcher = new RecordBatcher({
      lingerMs: 1000,
      maxRecords: 10,
      maxBytes: 1e6,
      maxInFlight: 1,
      flush: async (records) =>
        records.map((r, i) =>
          r.value?.[0] === 2
            ? new Error('refused')
            : { topic: 't', partition: 0, offset: String(i), timestamp: '0' }
        ),
    })
    const results = Promise.allSettled([
      batcher.add(unit(1, { count: 2 })),
      batcher.add(unit(3, { count: 2 })),
    ])
    await batcher.drain()
    const [first, second] = await results
    expect(first).toMatchObject({ status: 'rejected', reason: { message: 'refused' } })
    expect(second).toMatchObject({ status: 'fulfilled', value: [{ offset: '2' }, { offset: '3' }] })
  })
})
