import { describe, expect, it } from 'vitest'
import { accessLogFormatter } from '../../../src/observability/access-log/format.ts'
import type { Observation } from '../../../src/observability/observer.ts'

const observation: Observation = {
  door: 'http',
  kind: 'request',
  virtualCluster: 'shop',
  route: 'orders',
  topic: 'orders',
  principal: 'alice',
  outcome: 'rejected',
  reason: 'acl',
  status: 403,
  records: 1,
  bytesIn: 42,
  bytesOut: 0,
  durationMs: 3.5,
  startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
}

describe('access log format', () => {
  it('keeps every field by default, with an ISO time', () => {
    const record = accessLogFormatter({ rename: {}, static: {} })(observation)
    expect(record).toMatchObject({
      time: '2026-01-02T03:04:05.000Z',
      door: 'http',
      principal: 'alice',
      reason: 'acl',
      status: 403,
      bytesIn: 42,
    })
    expect(record).not.toHaveProperty('backendMs')
  })

  it('selects, renames, and adds static fields', () => {
    const format = accessLogFormatter({
      fields: ['time', 'principal', 'status', 'durationMs'],
      rename: { durationMs: 'latency_ms', principal: 'consumer' },
      static: { app_name: 'weir', ask_id: 'A-123' },
    })
    expect(format(observation)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      consumer: 'alice',
      status: 403,
      latency_ms: 3.5,
      app_name: 'weir',
      ask_id: 'A-123',
    })
  })
})
