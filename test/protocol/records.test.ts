// Record batches (magic v2): CRC-32C, round trips under every compression, what the repo's
// kafkajs codecs (checked against Kafka's Java codecs in test/kafka/compression.test.ts) write
// and read, bounded decompression, and corrupted batches.
import zlib from 'node:zlib'
import fc from 'fast-check'
import kafkajs, { CompressionTypes } from 'kafkajs'
import { compressSync as snappyRaw } from 'snappy'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  registerCompressionCodecs,
  type KafkaJsCodec,
} from '../../src/kafka/kafkajs/compression.ts'
import { CodecError } from '../../src/protocol/codec-error.ts'
import {
  createRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  splitRecordBatches,
  type RecordBatch,
} from '../../src/protocol/records/batch.ts'
import { compress, Compression, decompress } from '../../src/protocol/records/compression.ts'
import { crc32c } from '../../src/protocol/records/crc32c.ts'
import { recordSize, recordSizer } from '../../src/protocol/records/record.ts'

const codes = Object.entries(Compression) as [string, number][]

/** Bit-at-a-time CRC-32C: slow and plainly right, to check the sliced tables against. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

describe('crc32c', () => {
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i)
  it.each([
    ['123456789', Buffer.from('123456789'), 0xe3069283],
    // RFC 3720 (iSCSI), appendix B.4
    ['32 zero bytes', Buffer.alloc(32), 0x8a9136aa],
    ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['0..31', ascending, 0x46dd794e],
    ['31..0', ascending.toReversed(), 0x113fdb5c],
    ['nothing', Buffer.alloc(0), 0],
  ])('of %s', (_label, data, crc) => {
    expect(crc32c(data)).toBe(crc)
  })

  it('matches a bitwise reference on any input and range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(20), (data, skip) => {
        const start = Math.min(skip, data.length)
        expect(crc32c(data, start)).toBe(referenceCrc32c(data.subarray(start)))
      })
    )
  })
})

const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))
const records = fc.array(
  fc.record({
    attributes: fc.integer({ min: -128, max: 127 }),
    timestampDelta: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    offsetDelta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    key: fc.option(bytes, { nil: null }),
    value: fc.option(bytes, { nil: null }),
    headers: fc.array(
      fc.record({ key: fc.string({ unit: 'grapheme' }), value: fc.option(bytes, { nil: null }) }),
      { maxLength: 3 }
    ),
  }),
  { maxLength: 5 }
)
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const batches = (code: number): fc.Arbitrary<RecordBatch> =>
  fc.record({
    baseOffset: int64,
    partitionLeaderEpoch: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    attributes: fc.integer({ min: 0, max: 0x7fff }).map((a) => (a & ~7) | code),
    lastOffsetDelta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    baseTimestamp: int64,
    maxTimestamp: int64,
    producerId: int64,
    producerEpoch: fc.integer({ min: -32768, max: 32767 }),
    baseSequence: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    records,
  })

describe.each(codes)('record batches, compression %s', (_name, code) => {
  it('round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(batches(code), async (batch) => {
        const encoded = await encodeRecordBatch(batch)
        expect(encoded.readInt32BE(8)).toBe(encoded.length - 12)
        expect(await decodeRecordBatch(encoded)).toEqual(batch)
      }),
      { numRuns: 30 }
    )
  })

  it('decode corrupted batches to a batch or a CodecError', async () => {
    const input = fc.tuple(batches(code), fc.nat(), fc.integer({ min: 1, max: 255 }))
    await fc.assert(
      fc.asyncProperty(input, fc.boolean(), async ([batch, at, xor], verifyCrc) => {
        const encoded = Buffer.from(await encodeRecordBatch(batch))
        encoded[at % encoded.length]! ^= xor
        try {
          await decodeRecordBatch(encoded.subarray(0, encoded.length - (at % 3)), { verifyCrc })
        } catch (err) {
          if (!(err instanceof CodecError)) throw err
        }
      }),
      { numRuns: 40 }
    )
  })

  it('decompress random bytes to something or a CodecError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (data) => {
        try {
          await decompress(code, Buffer.from(data))
        } catch (err) {
          if (!(err instanceof CodecError)) throw err
        }
      }),
      { numRuns: 100 }
    )
  })
})

describe('compression formats', () => {
  const { CompressionCodecs } = kafkajs
  const kafkajsCodec = (type: CompressionTypes): KafkaJsCodec =>
    (CompressionCodecs as unknown as Record<number, () => KafkaJsCodec>)[type]!()
  const payload = Buffer.from(Array.from({ length: 9000 }, (_, i) => `weir-${i % 50};`).join(''))

  beforeAll(() => registerCompressionCodecs())

  it.each([
    ['gzip', Compression.gzip, CompressionTypes.GZIP],
    ['snappy', Compression.snappy, CompressionTypes.Snappy],
    ['lz4', Compression.lz4, CompressionTypes.LZ4],
    ['zstd', Compression.zstd, CompressionTypes.ZSTD],
  ])('%s reads and writes what the Java-compatible codecs do', async (_name, code, type) => {
    const codec = kafkajsCodec(type)
    expect(await codec.decompress(await compress(code, payload))).toEqual(payload)
    expect(await decompress(code, await codec.compress({ buffer: payload }))).toEqual(payload)
  })

  it('reads raw snappy blocks (librdkafka) as well as xerial frames (Java)', async () => {
    expect(await decompress(Compression.snappy, snappyRaw(payload))).toEqual(payload)
    const xerial = await compress(Compression.snappy, payload)
    expect(xerial.subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\0')
  })

  it('reads zstd data of several frames', async () => {
    const two = Buffer.concat([zlib.zstdCompressSync(payload), zlib.zstdCompressSync(payload)])
    expect(await decompress(Compression.zstd, two)).toEqual(Buffer.concat([payload, payload]))
  })

  it.each(codes.filter(([name]) => name !== 'none'))(
    '%s refuses to inflate past the limit',
    async (_name, code) => {
      const bomb = await compress(code, Buffer.alloc(4 << 20))
      expect(bomb.length).toBeLessThan(1 << 20)
      await expect(decompress(code, bomb, 1 << 20)).rejects.toThrow(CodecError)
      const inflated = await decompress(code, bomb, 4 << 20)
      expect(inflated.equals(Buffer.alloc(4 << 20))).toBe(true)
    }
  )
})

describe('batch framing', () => {
  it('splits whole batches from a trailing partial one', async () => {
    const one = await encodeRecordBatch(createRecordBatch([{ value: Buffer.from('a') }]))
    const two = await encodeRecordBatch(
      createRecordBatch([{ value: Buffer.from('b') }], { baseOffset: 1n })
    )
    const data = Buffer.concat([one, two, two.subarray(0, 30)])
    expect(splitRecordBatches(data)).toEqual({ batches: [one, two], partial: two.subarray(0, 30) })
    const decoded = await decodeRecordBatches(data)
    expect(decoded.map((b) => [b.baseOffset, b.records[0]!.value?.toString()])).toEqual([
      [0n, 'a'],
      [1n, 'b'],
    ])
  })

  it('builds batches as a producer does', () => {
    const batch = createRecordBatch(
      [
        { value: Buffer.from('x'), timestamp: 1000n },
        {
          key: Buffer.from('k'),
          value: null,
          timestamp: 990n,
          headers: [{ key: 'h', value: null }],
        },
      ],
      { compression: Compression.zstd, transactional: true, producerId: 5n, producerEpoch: 1 }
    )
    expect(batch).toMatchObject({
      attributes: Compression.zstd | 0x10,
      lastOffsetDelta: 1,
      baseTimestamp: 1000n,
      maxTimestamp: 1000n,
      producerId: 5n,
    })
    expect(batch.records.map((r) => [r.offsetDelta, r.timestampDelta])).toEqual([
      [0, 0n],
      [1, -10n],
    ])
  })

  it('refuses other magics, bad CRCs and lying record counts', async () => {
    const good = await encodeRecordBatch(createRecordBatch([{ value: Buffer.from('v') }]))
    const magic1 = Buffer.from(good)
    magic1[16] = 1
    await expect(decodeRecordBatch(magic1)).rejects.toThrow(/magic 1/)
    const badCrc = Buffer.from(good)
    badCrc[good.length - 1]! ^= 1
    await expect(decodeRecordBatch(badCrc)).rejects.toThrow(/CRC/)
    const lying = Buffer.from(good)
    lying.writeInt32BE(0x7fffffff, 57)
    await expect(decodeRecordBatch(lying, { verifyCrc: false })).rejects.toThrow(/record count/)
    await expect(decodeRecordBatch(good.subarray(0, 60))).rejects.toThrow(CodecError)
  })
})

describe('recordSizer', () => {
  const bytes = fc.option(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    {
      nil: null,
    }
  )
  it('sizes a record from its parts as recordSize sizes the KafkaRecord', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.nat({ max: 1 << 24 }),
        bytes,
        bytes,
        fc.dictionary(
          fc.string({ unit: 'grapheme', maxLength: 20 }),
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          { maxKeys: 5 }
        ),
        (timestampDelta, offsetDelta, key, value, headers) => {
          const sized = recordSizer(timestampDelta, offsetDelta)(key, value, headers)
          expect(sized).toBe(
            recordSize({
              attributes: 0,
              timestampDelta,
              offsetDelta,
              key,
              value,
              headers: Object.entries(headers).map(([k, v]) => ({ key: k, value: v })),
            })
          )
        }
      )
    )
  })
})
