// The messages of Weir's streaming protocols as AsyncAPI 3 Message Objects: the weir.v1 WebSocket
// frames both ways (src/http/streams/websocket/frames.ts, connection.ts) and the Server-Sent
// Events a stream writes (src/http/streams/sse.ts). Records differ per stream (their value
// schema), so they are made per stream; the rest are shared components.
import { wsCloseCode } from '../../core/errors.ts'
import type { JsonSchema } from './json-schema.ts'

const problemRef = { $ref: '#/components/schemas/Problem' }
const gapRef = { $ref: '#/components/schemas/StreamGap' }

const object = (required: string[], properties: Record<string, unknown>): JsonSchema => ({
  type: 'object',
  required,
  properties,
})
const type = (name: string) => ({ const: name })
const topics = { type: 'array', items: { type: 'string' } }
const delivery = { type: 'string', enum: ['at-most-once', 'at-least-once'] }

function message(name: string, summary: string, payload: unknown): Record<string, unknown> {
  return { name, title: name, summary, contentType: 'application/json', payload }
}

/** Shared messages, for `components.messages`. */
export function sharedMessages(): Record<string, unknown> {
  return {
    wsWelcome: message(
      'welcome',
      'First frame of every connection.',
      object(['type', 'stream', 'principal', 'topics', 'delivery'], {
        type: type('welcome'),
        stream: { type: 'string' },
        principal: { type: 'string' },
        topics,
        delivery,
      })
    ),
    wsSubscribed: message(
      'subscribed',
      'A subscribe was taken (the URL\'s topics are subscribed as "default" on connect).',
      object(['type', 'id', 'topics'], { type: type('subscribed'), id: { type: 'string' }, topics })
    ),
    wsUnsubscribed: message(
      'unsubscribed',
      'An unsubscribe was taken.',
      object(['type', 'id'], { type: type('unsubscribed'), id: { type: 'string' } })
    ),
    wsGap: message('gap', 'Records a slow client did not get (onOverflow: skip).', gapRef),
    wsError: message(
      'error',
      'A refused subscribe; the connection stays open.',
      object(['type', 'problem'], {
        type: type('error'),
        id: { type: 'string' },
        problem: problemRef,
      })
    ),
    wsSubscribe: message('subscribe', "Subscribe to (a subset of) the stream's topics.", {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: type('subscribe'),
        id: { type: 'string', minLength: 1, maxLength: 64, description: 'default s1, s2…' },
        topics: { ...topics, minItems: 1, maxItems: 100 },
        from: { type: 'string', description: 'earliest, latest, epoch ms or ISO 8601' },
        cursor: { type: 'string' },
      },
    }),
    wsUnsubscribe: message('unsubscribe', 'End a subscription.', {
      type: 'object',
      required: ['type', 'id'],
      additionalProperties: false,
      properties: {
        type: type('unsubscribe'),
        id: { type: 'string', minLength: 1, maxLength: 64 },
      },
    }),
    wsAck: message('ack', 'Acknowledge a record (at-least-once streams; ignored otherwise).', {
      type: 'object',
      required: ['type', 'topic', 'partition', 'offset'],
      additionalProperties: false,
      properties: {
        type: type('ack'),
        topic: { type: 'string' },
        partition: { type: 'integer', minimum: 0 },
        offset: { type: ['string', 'integer'], pattern: '^\\d{1,19}$', minimum: 0 },
      },
    }),
    sseReady: message(
      'ready',
      'First event: its id is the starting cursor.',
      object(['stream', 'topics', 'principal', 'delivery'], {
        stream: { type: 'string' },
        topics,
        principal: { type: 'string' },
        delivery,
      })
    ),
    sseGap: message('gap', 'Records a slow client did not get (onOverflow: skip).', gapRef),
    sseEnd: message(
      'end',
      'The node is shutting down: reconnect to resume.',
      object(['reason', 'detail'], { reason: { const: 'shutdown' }, detail: { type: 'string' } })
    ),
    sseProblem: message(
      'problem',
      'The stream ended after an overflow or a backend failure.',
      problemRef
    ),
  }
}

/** The record frame of one stream's WebSocket: `{"type":"record", …the record…}`. */
export function wsRecordMessage(record: JsonSchema): Record<string, unknown> {
  return message('record', 'One record.', {
    allOf: [object(['type'], { type: type('record') }), record],
  })
}

/** SSE `record` and `tombstone` events of one stream; the event id is the cursor after it. */
export function sseRecordMessages(record: JsonSchema): Record<string, unknown> {
  return {
    record: message('record', 'One record; the event id is the cursor after it.', record),
    tombstone: message('tombstone', 'A record with a null value (a delete marker).', record),
  }
}

export const WEBSOCKET_DESCRIPTION = [
  'Subprotocol `weir.v1`: all frames are JSON text. Browsers pass credentials as the subprotocols',
  "`['weir.v1', 'weir.api-key.<key>']` or `['weir.v1', 'weir.bearer.<jwt>']`, or in the query.",
  // Close codes as the error catalogue gives them (1001 is no refusal: the node goes away).
  `Close codes: 1001 shutting down (reconnect), ${wsCloseCode('unsupported-media-type')} a binary frame,`,
  `${wsCloseCode('bad-request')} not a weir.v1 frame, ${wsCloseCode('not-found')} a topic that is gone,`,
  `${wsCloseCode('payload-too-large')} a frame over 64 KiB, ${wsCloseCode('backend-unavailable')} the backend failed,`,
  `${wsCloseCode('overloaded')} the client read too slowly.`,
].join(' ')

export const SSE_DESCRIPTION = [
  'Send `Accept: text/event-stream`. Events: ready, record, tombstone, gap, then end or problem;',
  'a `: keep-alive` comment every heartbeat. Each id is the stream cursor: an EventSource that',
  'reconnects sends it back as Last-Event-ID and resumes right after the last record it got.',
].join(' ')

/** The reply push of a listener's `requests` (src/http/request-reply/reply-push.ts, reply-socket.ts). */
export function replyPushMessages(reply: JsonSchema): {
  sse: Record<string, unknown>
  ws: Record<string, unknown>
} {
  const ready = {
    principal: { type: 'string' },
    routes: { type: 'array', items: { type: 'string' }, description: 'the routes it pushes for' },
  }
  return {
    sse: {
      ready: message(
        'ready',
        'First event: the connection is admitted.',
        object(['principal', 'routes'], ready)
      ),
      reply: message(
        'reply',
        "A reply to one of the principal's requests; the event id is the request id.",
        reply
      ),
    },
    ws: {
      ready: message(
        'ready',
        'First message: the connection is admitted.',
        object(['type', 'principal', 'routes'], { type: type('ready'), ...ready })
      ),
      reply: message('reply', "A reply to one of the principal's requests.", reply),
    },
  }
}

export const REPLY_PUSH_DESCRIPTION = [
  "The replies to the principal's requests on the request-reply routes, made on any node, as",
  'they come; only the principal who made a request gets its reply. `?route=` narrows the',
  'connection to one route. Browsers pass credentials as `?api_key=` or `?access_token=`.',
].join(' ')
