// CloudEvents over HTTP, mapped to the Kafka protocol binding: in binary mode the event's
// attributes travel as `ce_*` record headers and the data is the record value; a structured
// event (application/cloudevents+json) is turned into the same binary form, so consumers see
// one shape whichever way the event arrived.
import { GatewayError } from '../../core/errors.ts'
import type { ParsedEvent } from './body.ts'
import { isJsonType, parseJson } from './media.ts'
import type { HeaderReader } from '../exchange.ts'

const required = ['id', 'source', 'specversion', 'type'] as const

export function isBinaryCloudEvent(headers: HeaderReader): boolean {
  return headers.has('ce-specversion')
}

export function fromBinaryCloudEvent(
  headers: HeaderReader,
  body: Buffer,
  contentType: string
): ParsedEvent {
  const recordHeaders: Record<string, Buffer> = {}
  headers.forEach((value, name) => {
    if (name.startsWith('ce-')) recordHeaders[`ce_${name.slice(3)}`] = Buffer.from(value)
  })
  for (const attribute of required) {
    if (!recordHeaders[`ce_${attribute}`])
      throw new GatewayError('bad-request', `binary CloudEvent lacks the ce-${attribute} header`)
  }
  if (contentType) recordHeaders['content-type'] = Buffer.from(contentType)
  return {
    value: isJsonType(contentType)
      ? { kind: 'json', value: parseJson(body.toString('utf8'), 'the event data'), raw: body }
      : { kind: 'bytes', value: body },
    headers: recordHeaders,
  }
}

export function fromStructuredCloudEvent(event: unknown, where: string): ParsedEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new GatewayError('bad-request', `${where} is not a CloudEvent object`)
  }
  const attributes = event as Record<string, unknown>
  for (const attribute of required) {
    if (typeof attributes[attribute] !== 'string' || attributes[attribute] === '') {
      throw new GatewayError(
        'bad-request',
        `${where} lacks the CloudEvents attribute "${attribute}"`
      )
    }
  }
  const headers: Record<string, Buffer> = {}
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'data' || name === 'data_base64' || value === null || value === undefined) continue
    if (name === 'datacontenttype') headers['content-type'] = Buffer.from(String(value))
    else
      headers[`ce_${name}`] = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  }
  if (typeof attributes.data_base64 === 'string') {
    return {
      value: { kind: 'bytes', value: Buffer.from(attributes.data_base64, 'base64') },
      headers,
    }
  }
  if (attributes.data === undefined) return { value: { kind: 'null' }, headers }
  return { value: { kind: 'json', value: attributes.data }, headers }
}
