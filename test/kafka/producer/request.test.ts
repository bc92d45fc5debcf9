import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/core/errors.ts'
import { encodedRecordBytes, type OutgoingRecord } from '../../../src/kafka/producer/record.ts'
import { chunks, planRequest } from '../../../src/kafka/producer/request.ts'
import { batchBudget } from '../../../src/kafka/producer/topic-limits.ts'
import { createRecordBatch, encodeRecordBatch } from '../../../src/protocol/records/index.ts'

const record = (bytes: number, headers: Record<string, Buffer> = {}): OutgoingRecord => ({
  topic: 't',
  key: Buffer.from('key-1'),
  value: Buffer.alloc(bytes, 1),
  headers,
})

describe('encodedRecordBytes', () => {
  it('is at least what the record takes in a real batch, and not much more', async () => {
    const records = Array.from({ length: 300 }, (_, i) =>
      record(100 + i * 37, { 'x-request-id': Buffer.from(`r-${i}`), 'é-ü': Buffer.from('v') })
    )
    const batch = await encodeRecordBatch(
      createRecordBatch(
        records.map((r, i) => ({
          key: r.key,
          value: r.value,
          headers: Object.entries(r.headers).map(([key, value]) => ({ key, value })),
          timestamp: BigInt(Date.now() + i * 50),
        }))
      )
    )
    const estimate = records.reduce((sum, r) => sum + encodedRecordBytes(r), 61)
    expect(estimate).toBeGreaterThanOrEqual(batch.length)
    expect(estimate - batch.length).toBeLessThan(records.length * 12)
  })
})

describe('planRequest', () => {
  it('refuses a record larger than the topic accepts, naming it and the limit', () => {
    const records = [record(100), record(20_000), record(100)]
    let refused: unknown
    try {
      planRequest(records, 10_000, 'none')
    } catch (err) {
      refused = err
    }
    expect(refused).toBeInstanceOf(GatewayError)
    expect(refused).toMatchObject({
      code: 'payload-too-large',
      extensions: { maxMessageBytes: 10_000, record: 1 },
    })
    expect((refused as GatewayError).detail).toMatch(
      /^record 1 of 3 takes 200\d\d bytes in a record batch.*max\.message\.bytes is 10000/
    )
  })

  it('leaves a compressed record to the brokers, who see its compressed size', () => {
    const plan = planRequest([record(20_000)], 10_000, 'zstd')
    expect(plan.split).toBe(false)
    expect(plan.unit.bytes).toBeGreaterThan(plan.unit.budget)
  })

  it('splits a request larger than one batch into parts that each fit, in order', () => {
    const records = Array.from({ length: 10 }, () => record(3000))
    const plan = planRequest(records, 10_000, 'none')
    expect(plan.split).toBe(true)
    const parts = chunks(plan)
    expect(parts.map((p) => p.length)).toEqual([3, 3, 3, 1])
    expect(parts.flat()).toEqual(records)
    for (const part of parts) {
      expect(part.reduce((sum, r) => sum + encodedRecordBytes(r), 0)).toBeLessThanOrEqual(
        batchBudget(10_000, 'none')
      )
    }
    expect(planRequest(records.slice(0, 3), 10_000, 'none').split).toBe(false)
  })
})
