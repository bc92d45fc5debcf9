// The parts of a record a route takes from the HTTP request: key, partition and headers.
import type { FromRequestConfig, ProduceRouteConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import { compileGlobs } from '../../core/glob.ts'
import type { Payload } from '../../produce/event.ts'
import type { HeaderReader } from '../exchange.ts'

export interface RequestView {
  params: Record<string, string>
  query: URLSearchParams
  headers: HeaderReader
}

type HeaderMapping = ProduceRouteConfig['headers']

function fromRequest(
  source: Exclude<FromRequestConfig, { from: 'body' }>,
  request: RequestView
): string | undefined {
  switch (source.from) {
    case 'path':
      return request.params[source.name]
    case 'query':
      return request.query.get(source.name) ?? undefined
    case 'header':
      return request.headers.get(source.name) ?? undefined
  }
}

/** RFC 6901: `/a/b~1c` reads a["b/c"]; `` is the whole value. */
export function jsonPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value
  let node = value
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[token]
  }
  return node
}

/**
 * The key of one event. Request-level sources give the same key to every event of a batch; a body
 * pointer reads each event. A missing key is a 400 for request sources and a violation for events;
 * a body that is not JSON has no pointer to read (415).
 */
export function keyOf(
  source: FromRequestConfig | undefined,
  request: RequestView,
  event: Payload
): Payload | { missing: string } {
  if (!source) return { kind: 'null' }
  if (source.from !== 'body') {
    const text = fromRequest(source, request)
    if (text === undefined)
      throw new GatewayError(
        'bad-request',
        `the key comes from the ${source.from} ${source.from === 'path' ? 'parameter' : 'argument'} "${source.name}", which is missing`
      )
    return { kind: 'text', value: text }
  }
  if (event.kind !== 'json') {
    // The event is fine; the media type is what this route cannot read a key from.
    const type = request.headers.get('content-type') ?? 'no content type'
    throw new GatewayError(
      'unsupported-media-type',
      `this route reads the key from ${source.pointer || 'the root'} of a JSON body; a body of ${type} has none: send application/json (or application/x-ndjson on a batch route)`
    )
  }
  const value = jsonPointer(event.value, source.pointer)
  if (value === undefined || value === null)
    return { missing: `no key at ${source.pointer || 'the root'}` }
  return typeof value === 'object'
    ? { kind: 'json', value }
    : { kind: 'text', value: String(value) }
}

export function partitionOf(
  source: ProduceRouteConfig['partition'],
  request: RequestView
): number | undefined {
  if (source === undefined) return undefined
  if (typeof source === 'number') return source
  if (source.from === 'body')
    throw new GatewayError('internal', 'a partition cannot come from the body')
  const text = fromRequest(source, request)
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text))
    throw new GatewayError('bad-request', `partition "${text}" is not a non-negative integer`)
  return Number(text)
}

/** Compiles a header mapping once per route into a function of the request. */
export function headerMapper(
  mapping: HeaderMapping
): (headers: HeaderReader) => Record<string, Buffer> {
  const forwarded = compileGlobs(mapping.forward.map((name) => name.toLowerCase()))
  const rename = new Map(
    Object.entries(mapping.rename).map(([from, to]) => [from.toLowerCase(), to])
  )
  const fixed = Object.entries(mapping.set).map(
    ([name, value]) => [name, Buffer.from(value)] as const
  )
  return (headers) => {
    const out: Record<string, Buffer> = {}
    if (mapping.forward.length > 0) {
      headers.forEach((value, name) => {
        if (forwarded(name)) out[rename.get(name) ?? name] = Buffer.from(value)
      })
    }
    if (mapping.traceContext) {
      const traceparent = headers.get('traceparent')
      if (traceparent) out.traceparent = Buffer.from(traceparent)
      const tracestate = headers.get('tracestate')
      if (tracestate) out.tracestate = Buffer.from(tracestate)
    }
    for (const [name, value] of fixed) out[name] = value
    return out
  }
}
