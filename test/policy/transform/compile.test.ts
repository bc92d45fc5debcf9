// The engine's transform, as every door applies it to a record view: header edits on the way in;
// filter, masks and header removals on the way out, decoding no more of a record than it reads.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TransformPolicy } from '../../../src/config/schema/policies.ts'
import type { RecordView } from '../../../src/core/records/record-view.ts'
import { compileTransform, MASK } from '../../../src/policy/transform/index.ts'

const policy = (fields: Record<string, unknown>) =>
  TransformPolicy.parse({ name: 't', kind: 'transform', ...fields })

const bytes = (text: string) => Buffer.from(text, 'utf8')

function view(fields: Partial<RecordView> = {}): RecordView {
  return {
    topic: 'orders',
    key: bytes('eu-1'),
    value: bytes(JSON.stringify({ region: 'eu', card: { number: '4111', brand: 'visa' } })),
    headers: [
      { key: 'internal', value: bytes('x') },
      { key: 'trace', value: bytes('t') },
    ],
    ...fields,
  }
}

const headers = (record: RecordView) =>
  record.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])

afterEach(() => {
  vi.restoreAllMocks()
})

describe('write transform', () => {
  const { write } = compileTransform(
    policy({ produce: { setHeaders: { source: 'weir' }, removeHeaders: ['secret'] } })
  )

  it('removes headers, then sets its own in place of every header of that name', () => {
    const record = view({
      headers: [
        { key: 'secret', value: bytes('s') },
        { key: 'source', value: bytes('spoofed') },
        { key: 'source', value: null },
        { key: 'keep', value: bytes('k') },
      ],
    })
    write?.(record)
    expect(headers(record)).toEqual([
      ['keep', 'k'],
      ['source', 'weir'],
    ])
  })

  it('leaves key and value alone', () => {
    const record = view()
    const before = { key: record.key, value: record.value }
    write?.(record)
    expect({ key: record.key, value: record.value }).toEqual(before)
  })

  it('is undefined for a policy that edits nothing on the way in', () => {
    expect(compileTransform(policy({ fetch: { mask: ['/card'] } })).write).toBeUndefined()
  })
})

describe('read transform', () => {
  const { read } = compileTransform(
    policy({
      fetch: {
        removeHeaders: ['internal'],
        mask: ['/card/number', '/tags/0', '/missing', '/card/brand/deeper'],
        filter: { json: [{ pointer: '/region', equals: 'eu' }] },
      },
    })
  )

  it('masks the fields that exist, removes headers and keeps the record', () => {
    const record = view({
      value: bytes(JSON.stringify({ region: 'eu', card: { number: '4111' }, tags: ['a', 'b'] })),
    })
    expect(read?.(record)).toBe(true)
    expect(JSON.parse(String(record.value))).toEqual({
      region: 'eu',
      card: { number: MASK },
      tags: [MASK, 'b'],
    })
    expect(headers(record)).toEqual([['trace', 't']])
  })

  it('drops a record the filter does not pass, judged on the value as written', () => {
    expect(read?.(view({ value: bytes('{"region":"us","card":{"number":"1"}}') }))).toBe(false)
    // Masks apply after the filter: filtering on a masked field still sees its value.
    const { read: onMasked } = compileTransform(
      policy({
        fetch: { mask: ['/region'], filter: { json: [{ pointer: '/region', equals: 'eu' }] } },
      })
    )
    const record = view()
    expect(onMasked?.(record)).toBe(true)
    expect(JSON.parse(String(record.value))).toMatchObject({ region: MASK })
  })

  it('leaves values that are not JSON documents as they are', () => {
    const { read: masks } = compileTransform(policy({ fetch: { mask: ['/a'] } }))
    for (const value of [bytes('plain text'), Buffer.from([0, 0, 0, 0, 1, 2]), bytes('42'), null]) {
      const record = view({ value })
      expect(masks?.(record)).toBe(true)
      expect(record.value).toBe(value)
    }
  })

  it('keeps the very bytes of a value none of its masks finds', () => {
    const { read: masks } = compileTransform(policy({ fetch: { mask: ['/absent'] } }))
    const record = view()
    const value = record.value
    masks?.(record)
    expect(record.value).toBe(value)
  })

  it('decodes no value for a filter on keys and headers, and parses one value once', () => {
    const parse = vi.spyOn(JSON, 'parse')
    const { read: byHeader } = compileTransform(
      policy({ fetch: { filter: { keys: ['eu-*'], headers: { trace: 't*' } } } })
    )
    expect(byHeader?.(view())).toBe(true)
    expect(byHeader?.(view({ key: bytes('us-1') }))).toBe(false)
    expect(parse).not.toHaveBeenCalled()
    // Filter and masks share one parse of the value.
    expect(read?.(view())).toBe(true)
    expect(parse).toHaveBeenCalledTimes(1)
  })

  it('is undefined for a policy that does nothing on the way out', () => {
    expect(compileTransform(policy({ produce: { removeHeaders: ['x'] } })).read).toBeUndefined()
  })
})
