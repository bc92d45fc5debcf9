import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { registryLookup, subjectName } from '../../src/schema/subject.ts'

describe('subject name strategies', () => {
  it('topic: <topic>-key and <topic>-value', () => {
    expect(subjectName({ subjectStrategy: 'topic' }, 'orders', 'value')).toBe('orders-value')
    expect(subjectName({ subjectStrategy: 'topic' }, 'orders', 'key')).toBe('orders-key')
  })

  it('record: the fully-qualified record name', () => {
    const ref = { subjectStrategy: 'record' as const, recordName: 'com.acme.Order' }
    expect(subjectName(ref, 'orders', 'value')).toBe('com.acme.Order')
  })

  it('topic-record: <topic>-<recordName>', () => {
    const ref = { subjectStrategy: 'topic-record' as const, recordName: 'com.acme.Order' }
    expect(subjectName(ref, 'orders', 'value')).toBe('orders-com.acme.Order')
  })

  it('an explicit subject wins over any strategy', () => {
    const ref = { subjectStrategy: 'record' as const, recordName: 'X', subject: 'shared' }
    expect(subjectName(ref, 'orders', 'key')).toBe('shared')
  })

  it('record strategies without recordName are a configuration error', () => {
    expect(() => subjectName({ subjectStrategy: 'record' }, 'orders', 'value')).toThrow(
      GatewayError
    )
    expect(() => subjectName({ subjectStrategy: 'topic-record' }, 'orders', 'value')).toThrow(
      /needs recordName/
    )
  })

  it('an id bypasses subjects; otherwise subject and version (latest by default)', () => {
    const base = { subjectStrategy: 'topic' as const, version: 'latest' as const }
    expect(registryLookup({ ...base, id: 42 }, 'orders', 'value')).toEqual({ id: 42 })
    expect(registryLookup(base, 'orders', 'value')).toEqual({
      subject: 'orders-value',
      version: 'latest',
    })
    expect(registryLookup({ ...base, version: 3 }, 'orders', 'key')).toEqual({
      subject: 'orders-key',
      version: 3,
    })
  })
})
