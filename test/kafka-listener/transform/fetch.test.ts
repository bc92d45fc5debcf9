// Fetch edits on real batches: records filtered out (offsets still covered), JSON fields masked,
// headers removed; transactional batches untouched, a trailing partial batch cut off.
import { describe, expect, it } from 'vitest'
import { editFetchRecords } from '../../../src/kafka-listener/transform/fetch.ts'
import { MASK } from '../../../src/policy/transform/index.ts'
import {
  BatchAttribute,
  Compression,
  createRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  type CompressionCode,
  type NewRecord,
} from '../../../src/protocol/records/index.ts'
import { fetchEdit, headersOf, text, transformPolicy } from './support.ts'

const policy = transformPolicy({
  fetch: {
    removeHeaders: ['internal'],
    mask: ['/card/number', '/missing', '/tags/0'],
    filter: { json: [{ pointer: '/region', equals: 'eu' }] },
  },
})
const edit = fetchEdit(policy)!

function order(region: string, n: number): NewRecord {
  const value = { region, n, card: { number: '4111', brand: 'visa' }, tags: ['t'] }
  return {
    key: text(`k${n}`),
    value: text(JSON.stringify(value)),
    headers: [
      { key: 'internal', value: text('x') },
      { key: 'trace', value: text(`t${n}`) },
    ],
  }
}

async function batch(records: NewRecord[], baseOffset: bigint, compression: CompressionCode = 0) {
  return encodeRecordBatch(createRecordBatch(records, { baseOffset, compression }))
}

describe('fetch edits', () => {
  for (const [name, compression] of Object.entries(Compression)) {
    it(`drops, masks and strips, keeping offsets (${name})`, async () => {
      const records = [order('eu', 0), order('us', 1), order('eu', 2)]
      const out = editFetchRecords(await batch(records, 100n, compression), edit)
      const [decoded, ...rest] = await decodeRecordBatches(out)
      expect(rest).toEqual([])
      expect(decoded).toMatchObject({
        baseOffset: 100n,
        lastOffsetDelta: 2,
        attributes: compression,
      })
      expect(decoded!.records.map((r) => r.offsetDelta)).toEqual([0, 2])
      const first = decoded!.records[0]!
      expect(headersOf(first.headers)).toEqual([['trace', 't0']])
      expect(JSON.parse(first.value!.toString())).toEqual({
        region: 'eu',
        n: 0,
        card: { number: MASK, brand: 'visa' },
        tags: [MASK],
      })
    })
  }

  it('stands a control record at the offset of a dropped tail', async () => {
    const out = editFetchRecords(
      await batch([order('eu', 0), order('us', 1), order('us', 2)], 5n),
      edit
    )
    const [kept, marker] = await decodeRecordBatches(out)
    expect(kept).toMatchObject({ baseOffset: 5n, lastOffsetDelta: 0 })
    expect(kept!.records).toHaveLength(1)
    expect(marker).toMatchObject({
      baseOffset: 7n,
      lastOffsetDelta: 0,
      attributes: BatchAttribute.control | BatchAttribute.transactional,
      producerId: -1n,
    })
    expect(marker!.records.map((r) => r.key)).toEqual([Buffer.from([0, 0, 0, 1])])
  })

  it('leaves only the control record of a batch with nothing kept', async () => {
    const out = editFetchRecords(await batch([order('us', 0), order('us', 1)], 9n), edit)
    const batches = await decodeRecordBatches(out)
    expect(batches).toHaveLength(1)
    expect(batches[0]).toMatchObject({ baseOffset: 10n, attributes: 0x30 })
  })

  it('passes values that are not JSON objects unmasked', async () => {
    const plain = transformPolicy({ fetch: { mask: ['/a'] } })
    const records = [{ value: text('plain text') }, { value: Buffer.from([0, 0, 0, 0, 1, 2]) }]
    const out = editFetchRecords(await batch(records, 0n), fetchEdit(plain)!)
    const [decoded] = await decodeRecordBatches(out)
    expect(decoded!.records.map((r) => r.value)).toEqual(records.map((r) => r.value))
  })

  it('passes transactional batches untouched and cuts off a partial one', async () => {
    const txn = await encodeRecordBatch(
      createRecordBatch([order('us', 0)], { producerId: 7n, transactional: true })
    )
    const next = await batch([order('us', 1)], 1n)
    const out = editFetchRecords(Buffer.concat([txn, next.subarray(0, 30)]), edit)
    expect(out).toEqual(txn)
  })

  it('filters on keys and headers as streams do', async () => {
    const byKey = transformPolicy({ fetch: { filter: { keys: ['k1'], headers: { trace: 't*' } } } })
    const out = editFetchRecords(
      await batch([order('eu', 0), order('eu', 1)], 0n),
      fetchEdit(byKey)!
    )
    const [decoded] = await decodeRecordBatches(out)
    expect(decoded!.records.map((r) => r.key?.toString())).toEqual(['k1'])
  })
})
