// What Weir writes must be what Kafka's own Java code reads (needs a JDK and the kafka-clients
// jar that `npm run codegen` uses, hence the integration project).
// - Arbitrary messages of every API and version, read by Kafka's generated classes and written
//   back byte for byte. A round trip through Weir alone cannot catch a misreading of the spec
//   that Weir's encoder and decoder share; this can.
// - Record batches under every compression, read by Kafka's MemoryRecords (CRC checked,
//   records decompressed by the Java codecs the broker uses).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kafkaClientsJar } from '../../../scripts/codegen/specs.ts'
import {
  createRecordBatch,
  encodeRecordBatch,
  type RecordBatch,
} from '../../../src/protocol/records/batch.ts'
import { Compression, type CompressionCode } from '../../../src/protocol/records/compression.ts'
import { Writer } from '../../../src/protocol/writer.ts'
import { MessageArbitraries } from '../../protocol/support/arbitraries.ts'
import { messageVersions } from '../../protocol/support/codecs.ts'

const SAMPLES = Number(process.env.WEIR_JAVA_CROSSCHECK_SAMPLES ?? 30)

describe('Kafka Java code reads what Weir writes', () => {
  let classes: string
  let classpath: string

  beforeAll(async () => {
    const jar = await kafkaClientsJar()
    classes = mkdtempSync(path.join(tmpdir(), 'weir-crosscheck-'))
    const source = path.join(import.meta.dirname, '../../protocol/java/CrossCheck.java')
    execFileSync('javac', ['-cp', jar, '-d', classes, source])
    // The jar's folder also holds the compression libraries Kafka depends on.
    classpath = [path.join(path.dirname(jar), '*'), classes].join(path.delimiter)
  })

  afterAll(() => rmSync(classes, { recursive: true, force: true }))

  /** Runs lines `<name> <version> <hex>` through CrossCheck.java; one output line each. */
  function java(lines: string[]): string[] {
    const output = execFileSync('java', ['-cp', classpath, 'CrossCheck'], {
      input: `${lines.join('\n')}\n`,
      maxBuffer: 1 << 30,
    })
    return output.toString().trimEnd().split('\n')
  }

  it('messages of every API and version', { timeout: 300_000 }, () => {
    const cases: { label: string; hex: string }[] = []
    for (const [label, codec, version] of messageVersions) {
      // Kafka 4's Java classes no longer read request header v0 (ControlledShutdown v0 only).
      if (label === 'RequestHeader v0') continue
      const arbitrary = new MessageArbitraries(codec.schema, version).message()
      for (const message of fc.sample(arbitrary, SAMPLES)) {
        const w = new Writer()
        codec.write(w, version, message)
        cases.push({ label, hex: w.finish().toString('hex') })
      }
    }
    const output = java(cases.map((c) => `${c.label.replace(' v', ' ')} ${c.hex}`))
    const mismatches = cases.flatMap((c, i) =>
      output[i] === c.hex ? [] : [`${c.label}: weir ${c.hex}\n  java ${output[i]}`]
    )
    const labels = [...new Set(mismatches.map((m) => m.split(':')[0]))]
    expect(`${labels.join(', ')}\n${mismatches.slice(0, 10).join('\n')}`.trim()).toBe('')
  })

  it('record batches under every compression', { timeout: 300_000 }, async () => {
    const bytes = fc.option(
      fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
      { nil: null }
    )
    const record = fc.record({
      key: bytes,
      value: bytes,
      headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme' }), value: bytes }), {
        maxLength: 2,
      }),
      timestamp: fc.bigInt({ min: 0n, max: 2n ** 50n }),
    })
    const batch = fc
      .tuple(
        fc.array(record, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...(Object.values(Compression) as CompressionCode[])),
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        fc.boolean()
      )
      .map(([records, compression, baseOffset, transactional]) =>
        createRecordBatch(records, {
          compression,
          baseOffset,
          transactional,
          producerId: transactional ? 7n : -1n,
          producerEpoch: transactional ? 1 : -1,
          baseSequence: transactional ? 0 : -1,
        })
      )
    const samples = fc.sample(fc.array(batch, { minLength: 1, maxLength: 2 }), SAMPLES * 10)
    const encoded = await Promise.all(
      samples.map(async (batches) =>
        Buffer.concat(await Promise.all(batches.map((b) => encodeRecordBatch(b))))
      )
    )
    const output = java(encoded.map((data) => `RecordBatches 2 ${data.toString('hex')}`))
    const mismatches = samples.flatMap((batches, i) =>
      output[i] === batches.map(describeBatch).join('')
        ? []
        : [`weir ${batches.map(describeBatch).join('')}\njava ${output[i]}`]
    )
    expect(mismatches.slice(0, 5).join('\n')).toBe('')
  })
})

const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** A batch as CrossCheck.java describes one. */
function describeBatch(batch: RecordBatch): string {
  const hex = (b: Buffer | null): string => (b === null ? 'null' : b.toString('hex'))
  const records = batch.records.map((r) => {
    const headers = r.headers.map((h) => `${h.key}=${hex(h.value)};`).join('')
    const offset = batch.baseOffset + BigInt(r.offsetDelta)
    const timestamp = batch.baseTimestamp + r.timestampDelta
    return ` ${offset}@${timestamp} ${hex(r.key)}=${hex(r.value)} {${headers}}`
  })
  const txn = batch.attributes & 0x10 ? ' txn' : ''
  const compression = COMPRESSION_NAMES[batch.attributes & 7]
  return (
    `[${batch.baseOffset} ${batch.producerId}/${batch.producerEpoch}/${batch.baseSequence} ` +
    `${compression}${txn}:${records.join('')}]`
  )
}
