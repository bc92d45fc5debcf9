// The JSON shapes Weir itself defines, as JSON Schema: what produce answers (handler.ts's
// acceptedBody), the record a stream delivers (src/stream/record.ts), gap notices
// (src/stream/delivery-queue.ts), the weir.v1 WebSocket frames (websocket/frames.ts), and the
// answers of the Kafka-backed resources: a pending request, a pushed reply (src/http/request-reply/) and a
// page of a view's keys (src/views/).
import type { StreamConfig } from '../../config/index.ts'
import type { FormatMode } from '../../core/records/payload.ts'
import type { JsonSchema } from './json-schema.ts'
import type { SchemaEntry } from './schema-sources.ts'

const decimal = (description: string): JsonSchema => ({
  type: 'string',
  pattern: '^-?\\d+$',
  description,
})
const offset = decimal('a Kafka offset (64-bit, so a decimal string)')
const timestamp = decimal('milliseconds since the epoch, as Kafka reports it (-1 when unknown)')

export const acceptedSchema: JsonSchema = {
  type: 'object',
  description: 'One event, acknowledged by the brokers.',
  required: ['id', 'topic', 'partition', 'offset', 'timestamp'],
  properties: {
    id: { type: 'string', description: 'the request id (X-Request-Id, or one Weir made)' },
    topic: { type: 'string' },
    partition: { type: 'integer', minimum: 0 },
    offset,
    timestamp,
  },
}

export const acceptedBatchSchema: JsonSchema = {
  type: 'object',
  description: 'Several events, acknowledged by the brokers, in the order sent.',
  required: ['id', 'topic', 'count', 'records'],
  properties: {
    id: { type: 'string' },
    topic: { type: 'string' },
    count: { type: 'integer', minimum: 1 },
    records: {
      type: 'array',
      items: {
        type: 'object',
        required: ['partition', 'offset', 'timestamp'],
        properties: { partition: { type: 'integer', minimum: 0 }, offset, timestamp },
      },
    },
  },
}

export const bufferedSchema: JsonSchema = {
  type: 'object',
  description: 'Accepted into the bounded async buffer; Weir retries until the brokers take it.',
  required: ['id', 'topic', 'status', 'count'],
  properties: {
    id: { type: 'string' },
    topic: { type: 'string' },
    status: { const: 'buffered' },
    count: { type: 'integer', minimum: 1 },
  },
}

const encoding = { type: 'string', enum: ['json', 'text', 'base64', 'avro', 'json-schema'] }

export const gapSchema: JsonSchema = {
  type: 'object',
  description: 'Records a slow client did not get (onOverflow: skip), by range.',
  required: ['type', 'skipped', 'ranges'],
  properties: {
    type: { const: 'gap' },
    skipped: { type: 'integer', minimum: 1 },
    ranges: {
      type: 'array',
      items: {
        type: 'object',
        required: ['topic', 'partition', 'from', 'to'],
        properties: {
          topic: { type: 'string' },
          partition: { type: 'integer', minimum: 0 },
          from: offset,
          to: offset,
        },
      },
    },
  },
}

/** What a stream delivers for a record; `value` is the topic's schema when it is known. */
export function streamRecordSchema(value: JsonSchema | undefined, valueNote: string): JsonSchema {
  return {
    type: 'object',
    required: ['topic', 'partition', 'offset', 'timestamp', 'key', 'headers', 'value', 'tombstone'],
    properties: {
      topic: { type: 'string', description: 'the topic as clients name it' },
      partition: { type: 'integer', minimum: 0 },
      offset,
      timestamp,
      key: {
        description: 'JSON when the key parses as JSON, else text, else base64 (see encoding)',
      },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'record headers as UTF-8 text; a repeated header gives its last value',
      },
      value:
        value === undefined
          ? { description: valueNote }
          : { anyOf: [value, { type: 'null' }], description: valueNote },
      tombstone: { type: 'boolean', description: 'a null value: a delete marker' },
      schemaId: {
        type: 'integer',
        description: 'registry id of the schema the value was decoded with',
      },
      keySchemaId: { type: 'integer' },
      encoding: {
        type: 'object',
        description: 'how each part was made from its bytes',
        properties: { key: encoding, value: encoding },
      },
    },
  }
}

/**
 * Whether a stream delivers a topic's values as its schema describes them: only in `auto`
 * format, and only for bytes a stream can decode (registry-framed, or JSON Schema's JSON text;
 * inline Avro is bare binary and goes out as base64).
 */
export function deliversSchema(stream: StreamConfig, entry: SchemaEntry): boolean {
  if (stream.format.value !== 'auto' || entry.kind !== 'schema') return false
  return entry.framed || entry.format === 'json-schema'
}

/**
 * Whether a reply or view value read in `mode` reaches the client as its schema describes it
 * (src/http/resources/body.ts): registry-framed values decode in `auto`, JSON Schema's JSON text
 * parses in `auto` and `json`; inline Avro is bare binary and goes out as bytes.
 */
export function decodesSchema(mode: FormatMode, entry: SchemaEntry): boolean {
  if (entry.kind !== 'schema') return false
  if (mode === 'auto') return entry.framed || entry.format === 'json-schema'
  return mode === 'json' && entry.format === 'json-schema' && !entry.framed
}

/** How a stream's values look when no schema describes them. */
export function valueNote(stream: StreamConfig): string {
  switch (stream.format.value) {
    case 'base64':
      return 'the value bytes as base64'
    case 'text':
      return 'the value as UTF-8 text (base64 when it is not UTF-8)'
    case 'json':
      return 'the value as JSON, else text, else base64 (see encoding)'
    case 'auto':
      return 'decoded through the schema registry when framed; else JSON when it parses, else text, else base64 (see encoding)'
  }
}

/** 202 of a request-reply route and of `GET {requests.path}/{id}` (reply-response.ts). */
export const pendingSchema: JsonSchema = {
  type: 'object',
  description:
    'The reply is not there (yet). Fetch it from `location` (the Location header says the same); the route answers this on `Prefer: respond-async` or when the reply is later than it waits.',
  required: ['id', 'status', 'location'],
  properties: {
    id: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]+$',
      description:
        'the request id: the correlation id of the request record, signed for the principal who asked',
    },
    status: { const: 'pending' },
    location: { type: 'string', description: 'where the reply is fetched: {requests.path}/{id}' },
    topic: { type: 'string', description: 'the topic the request went to (route answers only)' },
    partition: { type: 'integer', minimum: 0 },
    offset: decimal('the offset of the request record (sync delivery)'),
  },
}

/** One page of a view's keys (view-routes.ts listKeys). */
export const viewPageSchema: JsonSchema = {
  type: 'object',
  required: ['view', 'keys', 'size', 'bytes', 'complete'],
  properties: {
    view: { type: 'string', description: 'the view name' },
    keys: {
      type: 'array',
      items: { type: 'string' },
      description: 'keys after `after`, in code unit order',
    },
    next: {
      type: 'string',
      description: 'the next page (path and query); absent on the last page',
    },
    size: { type: 'integer', minimum: 0, description: 'keys in the view' },
    bytes: { type: 'integer', minimum: 0, description: 'memory the view holds, in bytes' },
    complete: {
      type: 'boolean',
      description:
        'false once the view went over its bounds and dropped the keys written least recently: a key it lacks may exist',
    },
  },
}

/** A reply pushed over SSE (`reply` event) or WebSocket (reply-push.ts PushedReply). */
export function pushedReplySchema(body: JsonSchema | undefined): JsonSchema {
  return {
    type: 'object',
    required: ['type', 'id', 'location', 'status', 'headers', 'body'],
    properties: {
      type: { const: 'reply' },
      id: { type: 'string', description: 'the request id (also the SSE event id)' },
      location: { type: 'string', description: 'where the same reply is fetched' },
      status: {
        type: 'integer',
        minimum: 200,
        maximum: 599,
        description: 'the weir-status the replying service set (200 without one)',
      },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: "the reply record's headers that a response would carry (no weir-* ones)",
      },
      body:
        body === undefined
          ? { description: REPLY_BODY_NOTE }
          : { anyOf: [body, { type: 'null' }], description: REPLY_BODY_NOTE },
      encoding: { ...encoding, description: 'how `body` was made from the reply value' },
    },
  }
}

const REPLY_BODY_NOTE =
  'the reply value: decoded through the schema registry when framed; else JSON when it parses, else text, else base64 (see encoding); null for none'
