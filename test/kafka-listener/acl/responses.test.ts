// The gateway's own refusals are valid responses: every builder's output encodes in every version
// of its API, and carries the error code (and no other) wherever its response has one.
import { describe, expect, it } from 'vitest'
import { coverage, deniedResponse, errorResponses } from '../../../src/kafka-listener/acl/index.ts'
import { apiByKey } from '../../../src/protocol/index.ts'
import { apiOf, onTheWire, wireRequest } from './support.ts'

const ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const topic = 'orders'
const group = 'app'
const txn = 'tx'
const partitions = [{ partitionIndex: 0 }, { partitionIndex: 1 }]

/** A request for each builder, naming at least one entity at every level it has. */
const samples: Record<number, Record<string, unknown>> = {
  0: {
    transactionalId: txn,
    acks: -1,
    topicData: [{ name: topic, topicId: ID, partitionData: [{ index: 0 }, { index: 1 }] }],
  },
  1: { topics: [{ topic, topicId: ID, partitions: [{ partition: 0 }, { partition: 3 }] }] },
  2: { topics: [{ name: topic, partitions }] },
  8: { groupId: group, topics: [{ name: topic, topicId: ID, partitions }] },
  9: {
    groupId: group,
    topics: [{ name: topic, partitionIndexes: [0, 1] }],
    groups: [{ groupId: group, topics: [{ name: topic, topicId: ID, partitionIndexes: [0] }] }],
  },
  10: { key: group, coordinatorKeys: [group, 'other'] },
  11: { groupId: group },
  12: { groupId: group },
  13: { groupId: group, memberId: 'm', members: [{ memberId: 'm' }] },
  14: { groupId: group },
  15: { groups: [group, 'other'] },
  19: { topics: [{ name: topic }] },
  20: { topicNames: [topic], topics: [{ name: topic }, { name: null, topicId: ID }] },
  21: { topics: [{ name: topic, partitions }] },
  22: { transactionalId: txn },
  23: { topics: [{ topic, partitions: [{ partition: 0 }] }] },
  24: {
    v3AndBelowTransactionalId: txn,
    v3AndBelowTopics: [{ name: topic, partitions: [0, 1] }],
    transactions: [{ transactionalId: txn, topics: [{ name: topic, partitions: [0] }] }],
  },
  25: { transactionalId: txn, groupId: group },
  26: { transactionalId: txn },
  28: { transactionalId: txn, groupId: group, topics: [{ name: topic, partitions }] },
  32: { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }] },
  33: { resources: [{ resourceType: 2, resourceName: topic }] },
  37: { topics: [{ name: topic, count: 3, assignments: null }] },
  42: { groupsNames: [group] },
  44: { resources: [{ resourceType: 2, resourceName: topic }] },
  47: { groupId: group, topics: [{ name: topic, partitions }] },
  61: { topics: [{ name: topic, partitionIndexes: [0, 1] }] },
  65: { transactionalIds: [txn] },
  68: { groupId: group },
  69: { groupIds: [group] },
  75: { topics: [{ name: topic }] },
}

/** Every error code field's value, wherever it is. */
function errorCodes(value: unknown, into: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) errorCodes(v, into)
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (/errorCode$/i.test(key) && typeof v === 'number') into.push(v)
      else errorCodes(v, into)
    }
  }
  return into
}

function versions(apiKey: number): number[] {
  const api = apiOf(apiKey)
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i)
}

const cases = [...errorResponses.keys()].flatMap((key) =>
  versions(key).map((v) => [apiOf(key).name, key, v] as const)
)

describe('error response builders', () => {
  it('have a sample request each, and cover every API with a rule that answers locally', () => {
    expect(
      Object.keys(samples)
        .map(Number)
        .sort((a, b) => a - b)
    ).toEqual([...errorResponses.keys()].sort((a, b) => a - b))
    // Metadata, ListGroups and ListTransactions are only filtered, never answered here.
    const rules = [...coverage].filter(([, c]) => c.kind === 'rule').map(([key]) => key)
    expect(rules.filter((key) => !errorResponses.has(key))).toEqual([3, 16, 66])
  })

  it.each(cases)('%s (%i) v%i encodes, refusing with the code at every level', (_n, key, v) => {
    const build = errorResponses.get(key) as (request: unknown, v: number, code: number) => unknown
    const request = wireRequest(key, v, samples[key] as Record<string, unknown>)
    const decoded = onTheWire(key, v, build(request, v, 29))
    const codes = errorCodes(decoded)
    expect(codes).toContain(29)
    expect(codes.every((c) => c === 0 || c === 29)).toBe(true)
  })
})

describe('outright denials', () => {
  const denied = [...coverage].filter(([, c]) => c.kind === 'denied').map(([key]) => key)
  const deniedCases = denied.flatMap((key) =>
    versions(key).map((v) => [apiOf(key).name, key, v] as const)
  )

  it.each(deniedCases)('%s (%i) v%i: a top-level error that encodes, or none', (_n, key, v) => {
    const api = apiByKey.get(key)
    if (api === undefined) throw new Error(`no API ${key}`)
    const body = deniedResponse(api, v, 31)
    if (body === undefined) return
    expect(onTheWire<{ errorCode: number }>(key, v, body).errorCode).toBe(31)
  })

  it('some versions have no top-level error (the connection is closed instead)', () => {
    expect(deniedResponse(apiOf(30), 1, 31)).toBeUndefined() // CreateAcls: per-creation results
    expect(deniedResponse(apiOf(43), 0, 31)).toBeUndefined() // ElectLeaders v0: per partition
    expect(deniedResponse(apiOf(43), 1, 31)).toMatchObject({ errorCode: 31 })
  })
})
