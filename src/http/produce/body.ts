// Reads a produce request body into events. JSON (one event or, for batch routes, an array),
// NDJSON (one event per line), CloudEvents (structured, batch, and binary mode), or any other
// media type as raw bytes. Malformed input is a 400 that says where.
import { GatewayError } from '../../core/errors.ts'
import type { Payload } from '../../produce/event.ts'
import {
  fromBinaryCloudEvent,
  fromStructuredCloudEvent,
  isBinaryCloudEvent,
} from './cloudevents.ts'
import { isJsonType, mediaType, parseJson } from './media.ts'
import type { HeaderReader } from '../exchange.ts'

export interface ParsedEvent {
  value: Payload
  /** Extra record headers the format defines (CloudEvents attributes). */
  headers: Record<string, Buffer>
}

export interface BodyRequest {
  contentType: string
  headers: HeaderReader
  body: Buffer
  batch: boolean
}

const ndjsonTypes = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
])

export function parseEvents(request: BodyRequest): ParsedEvent[] {
  const type = mediaType(request.contentType)
  if (request.body.length === 0) throw new GatewayError('bad-request', 'the request body is empty')

  if (isBinaryCloudEvent(request.headers))
    return [fromBinaryCloudEvent(request.headers, request.body, type)]
  if (type === 'application/cloudevents+json') {
    return [
      fromStructuredCloudEvent(parseJson(request.body.toString('utf8'), 'the body'), 'the body'),
    ]
  }
  if (type === 'application/cloudevents-batch+json') {
    const list = parseJson(request.body.toString('utf8'), 'the body')
    if (!Array.isArray(list))
      throw new GatewayError('bad-request', 'a CloudEvents batch must be a JSON array')
    if (!request.batch && list.length !== 1)
      throw new GatewayError('bad-request', 'this route takes one event per request')
    return list.map((event, i) => fromStructuredCloudEvent(event, `event ${i}`))
  }
  if (ndjsonTypes.has(type)) {
    if (!request.batch)
      throw new GatewayError(
        'unsupported-media-type',
        'this route takes one event per request; send application/json'
      )
    const events: ParsedEvent[] = []
    request.body
      .toString('utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return
        events.push({
          value: { kind: 'json', value: parseJson(line, `line ${i + 1}`) },
          headers: {},
        })
      })
    if (events.length === 0)
      throw new GatewayError('bad-request', 'the NDJSON body holds no events')
    return events
  }
  if (isJsonType(type)) {
    const value = parseJson(request.body.toString('utf8'), 'the body')
    if (Array.isArray(value) && request.batch) {
      if (value.length === 0) throw new GatewayError('bad-request', 'the batch is empty')
      return value.map((v: unknown) => ({ value: { kind: 'json', value: v }, headers: {} }))
    }
    return [{ value: { kind: 'json', value, raw: request.body }, headers: {} }]
  }
  // Anything else is the event itself, byte for byte.
  return [{ value: { kind: 'bytes', value: request.body }, headers: {} }]
}
