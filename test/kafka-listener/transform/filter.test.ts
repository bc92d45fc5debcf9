// The Fetch edit with masks or decryption that must wait (a registry, a KMS): every record sent is
// edited, however often a prepare comes back pending, and a partition that cannot be edited is
// answered retriably (KAFKA_STORAGE_ERROR) with no record of it.
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/core/errors.ts'
import type { RecordView } from '../../../src/core/records/record-view.ts'
import {
  transformFilter,
  type TransformPolicies,
} from '../../../src/kafka-listener/transform/filter.ts'
import type { RecordEdit } from '../../../src/policy/mask/index.ts'
import {
  createRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
} from '../../../src/protocol/records/index.ts'
import { text } from './support.ts'

const KAFKA_STORAGE_ERROR = 56

/** A mask that upper-cases values, whose prepare answers what `pending` says for each call. */
function upperCase(pending: (call: number) => Promise<void> | undefined): RecordEdit {
  let calls = 0
  return {
    prepare: () => pending(++calls),
    apply: (view: RecordView) => {
      view.value = view.value && Buffer.from(view.value.toString().toUpperCase())
    },
  }
}

function policiesWith(mask: RecordEdit): TransformPolicies {
  return {
    hasTransforms: () => false,
    readTransform: () => undefined,
    writeTransform: () => undefined,
    hasMasks: () => true,
    recordEditsFor: (_vc, _topic, _principal, side) => (side === 'fetch' ? mask : undefined),
  }
}

async function fetchThrough(mask: RecordEdit) {
  const records = await encodeRecordBatch(
    createRecordBatch(
      ['a', 'b', 'c'].map((v) => ({ key: null, value: text(v), headers: [] })),
      { baseOffset: 0n }
    )
  )
  const partition = { partitionIndex: 0, errorCode: 0, records: records as Buffer | null }
  const response = { responses: [{ topic: 'orders', partitions: [partition] }] }
  const filter = transformFilter({ policies: policiesWith(mask), virtualCluster: 'vc' })
  const header = { requestApiKey: 1, requestApiVersion: 12 }
  const decision = await filter.onRequest({} as never, header as never, { state: {} } as never)
  if (decision.kind !== 'forward' || decision.onResponse === undefined) {
    throw new Error(`expected a response edit, got ${decision.kind}`)
  }
  await decision.onResponse(response)
  const values =
    partition.records === null
      ? null
      : (await decodeRecordBatches(partition.records)).flatMap((b) =>
          b.records.map((r) => r.value?.toString())
        )
  return { errorCode: partition.errorCode, values }
}

describe('the Fetch edit with prepares that wait', () => {
  it('edits every record when a prepare is pending again on the second pass', async () => {
    // Calls 1-3 are the first pass, 4-6 the second: the second record's prepared state expired
    // in between (the decryption opener's cache is 1 s), so the second pass waits on it again.
    const mask = upperCase((call) => (call === 2 || call === 5 ? Promise.resolve() : undefined))
    expect(await fetchThrough(mask)).toEqual({ errorCode: 0, values: ['A', 'B', 'C'] })
  })

  it('refuses the partition retriably when every pass keeps waiting', async () => {
    const mask = upperCase(() => Promise.resolve())
    expect(await fetchThrough(mask)).toEqual({ errorCode: KAFKA_STORAGE_ERROR, values: null })
  })

  it('refuses the partition retriably when the KMS does not answer', async () => {
    const down = new GatewayError('kms-unavailable', 'the KMS did not answer')
    const mask = upperCase((call) => (call === 1 ? Promise.reject(down) : undefined))
    expect(await fetchThrough(mask)).toEqual({ errorCode: KAFKA_STORAGE_ERROR, values: null })
  })

  it('fails the edit on an error that is not an outage', async () => {
    const bug = new Error('a bug')
    const mask = upperCase((call) => (call === 1 ? Promise.reject(bug) : undefined))
    await expect(fetchThrough(mask)).rejects.toThrow('a bug')
  })
})
