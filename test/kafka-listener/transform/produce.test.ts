// Produce header edits on real batches: every compression, with the producer's batch fields (and
// so an idempotent producer's sequence numbers) kept as they were.
import { describe, expect, it } from 'vitest'
import { editProduceRecords } from '../../../src/kafka-listener/transform/produce.ts'
import {
  BatchAttribute,
  Compression,
  createRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
} from '../../../src/protocol/records/index.ts'
import { headersOf, produceEdit, text, transformPolicy } from './support.ts'

const policy = transformPolicy({
  produce: { setHeaders: { source: 'weir', tenant: 'a' }, removeHeaders: ['secret'] },
})
const edit = produceEdit(policy)!

describe('produce header edits', () => {
  for (const [name, compression] of Object.entries(Compression)) {
    it(`sets and removes headers, keeping the batch fields (${name})`, async () => {
      const batch = createRecordBatch(
        [
          { value: text('a'), headers: [{ key: 'secret', value: text('x') }] },
          { value: text('b'), headers: [{ key: 'tenant', value: text('spoofed') }] },
          { value: text('c') },
        ],
        { compression, producerId: 42n, producerEpoch: 3, baseSequence: 17, timestamp: 1000n }
      )
      const out = await editProduceRecords(await encodeRecordBatch(batch), edit)
      const [decoded] = await decodeRecordBatches(out) // verifies the new CRC
      expect(decoded).toMatchObject({
        baseOffset: 0n,
        attributes: compression,
        lastOffsetDelta: 2,
        producerId: 42n,
        producerEpoch: 3,
        baseSequence: 17,
        baseTimestamp: 1000n,
      })
      expect(decoded!.records.map((r) => headersOf(r.headers))).toEqual([
        [
          ['source', 'weir'],
          ['tenant', 'a'],
        ],
        [
          ['source', 'weir'],
          ['tenant', 'a'],
        ],
        [
          ['source', 'weir'],
          ['tenant', 'a'],
        ],
      ])
      expect(decoded!.records.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c'])
    })
  }

  it('edits every batch of a partition and passes control batches on as they came', async () => {
    const first = await encodeRecordBatch(createRecordBatch([{ value: text('a') }]))
    const control = await encodeRecordBatch({
      ...createRecordBatch([{ key: Buffer.from([0, 0, 0, 1]), value: text('m') }]),
      attributes: BatchAttribute.control | BatchAttribute.transactional,
    })
    const out = await editProduceRecords(Buffer.concat([first, control]), edit)
    expect(out.subarray(out.length - control.length)).toEqual(control)
    const [decoded] = await decodeRecordBatches(out)
    expect(headersOf(decoded!.records[0]!.headers)).toContainEqual(['source', 'weir'])
  })

  it('refuses records it cannot read (a bad CRC)', async () => {
    const bytes = await encodeRecordBatch(createRecordBatch([{ value: text('a') }]))
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1)
    await expect(editProduceRecords(bytes, edit)).rejects.toThrow(/CRC/)
  })

  it('has no edit for a policy with only a fetch part', () => {
    expect(produceEdit(transformPolicy({ fetch: { removeHeaders: ['x'] } }))).toBeUndefined()
  })
})
