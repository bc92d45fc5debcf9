import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { Tracing, traceIdOf } from '../../../src/observability/tracing/tracing.ts'

const on = {
  enabled: true,
  serviceName: 'weir-test',
  sampleRatio: 1,
  propagateToRecords: true,
}

describe('Tracing', () => {
  it('continues an incoming traceparent, writes it into records, and delivery spans continue it', async () => {
    const exporter = new InMemorySpanExporter()
    const tracing = new Tracing(on, exporter)
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const span = tracing.startRequest('POST orders', {}, new Headers({ traceparent: incoming }))
    expect(traceIdOf(span)).toBe('0af7651916cd43dd8448eb211c80319c')
    const headers = tracing.recordHeaders(span)
    const traceparent = headers.traceparent?.toString() ?? ''
    expect(traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/)
    span?.end()

    const delivery = tracing.startDelivery(
      'orders deliver',
      {},
      { traceparent: headers.traceparent }
    )
    delivery?.end()
    await tracing.flush()
    const spans = exporter.getFinishedSpans()
    expect(spans).toHaveLength(2)
    const [server, consumer] = spans
    expect(consumer?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(consumer?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId)
    expect(server?.parentSpanContext?.spanId).toBe('b7ad6b7169203331')
    await tracing.shutdown()
  })

  it('is a no-op when disabled', () => {
    const tracing = new Tracing({ ...on, enabled: false })
    const span = tracing.startRequest('x', {})
    expect(span).toBeUndefined()
    expect(tracing.recordHeaders(span)).toEqual({})
  })

  it('writes no record headers when propagation is off', () => {
    const tracing = new Tracing({ ...on, propagateToRecords: false }, new InMemorySpanExporter())
    expect(tracing.recordHeaders(tracing.startRequest('x', {}))).toEqual({})
  })
})
