// acks is read from the raw Produce request, without decoding its records.
import { describe, expect, it } from 'vitest'
import { expectsResponse, produceAcks } from '../../src/kafka-listener/produce-acks.ts'
import { apis, CodecError, encodeRequest, type ProduceRequest } from '../../src/protocol/index.ts'

const produce = apis.produce

function payload(version: number, acks: number, transactionalId: string | null): Buffer {
  const body: ProduceRequest = {
    ...produce.defaultRequest(),
    transactionalId,
    acks,
    timeoutMs: 30_000,
    topicData: [],
  }
  const header = {
    requestApiKey: produce.key,
    requestApiVersion: version,
    correlationId: 42,
    clientId: 'test',
  }
  return encodeRequest(produce, header, body).subarray(4)
}

const versions = Array.from(
  { length: produce.maxVersion - produce.minVersion + 1 },
  (_, i) => produce.minVersion + i
)

describe('produceAcks', () => {
  it.each(versions)('v%i: reads acks with and without a transactional id', (v) => {
    for (const acks of [-1, 0, 1]) {
      expect(produceAcks(payload(v, acks, null), v)).toBe(acks)
      expect(produceAcks(payload(v, acks, 'tx-with-a-longer-id'), v)).toBe(acks)
      expect(expectsResponse(payload(v, acks, 'tx'), produce.key, v)).toBe(acks !== 0)
    }
  })

  it('covers flexible and non-flexible versions', () => {
    expect(versions.some((v) => v < (produce.firstFlexibleVersion ?? 0))).toBe(true)
    expect(versions.some((v) => v >= (produce.firstFlexibleVersion ?? Infinity))).toBe(true)
  })

  it('reads v0..v2, which have no transactional id (Kafka 4 refuses them, but they pass)', () => {
    const w = Buffer.alloc(8 + 2 + 4 + 2 + 4)
    w.writeInt16BE(0, 0)
    w.writeInt16BE(2, 2)
    w.writeInt32BE(1, 4)
    w.writeInt16BE(4, 8)
    w.write('test', 10)
    w.writeInt16BE(0, 14)
    expect(produceAcks(w, 2)).toBe(0)
  })

  it.each(versions)('v%i: a truncated payload is a CodecError', (v) => {
    const full = payload(v, 1, 'tx')
    // Cut anywhere before the end of acks (timeoutMs, an empty topic array and in flexible
    // versions the tagged fields follow it).
    const acksEnd = full.length - 4 - (v >= 9 ? 1 + 1 : 4)
    for (let cut = 0; cut < acksEnd; cut++) {
      expect(() => produceAcks(full.subarray(0, cut), v), `cut at ${cut}`).toThrow(CodecError)
    }
  })

  it('an acks value that is not -1, 0 or 1 is a CodecError', () => {
    expect(() => produceAcks(payload(9, 2, null), 9)).toThrow(CodecError)
  })

  it('every other API expects a response, whatever its bytes', () => {
    expect(expectsResponse(Buffer.alloc(0), apis.metadata.key, 12)).toBe(true)
  })
})
