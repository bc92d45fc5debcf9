// The WebSocket stream protocol (`weir.v1`): JSON text frames both ways. What clients may send is
// checked here, so the connection only ever sees well-formed commands; what the server sends is
// built here, records from the JSON text their subscribers share, in bytes made once per rendering.
import { z } from 'zod'
import { GatewayError } from '../../../core/errors.ts'
import type { GapNotice } from '../../../stream/delivery-queue.ts'
import { sharedEncoding } from '../../../stream/record-json.ts'
import type { StreamRecord } from '../../../stream/record.ts'

export const SUBPROTOCOL = 'weir.v1'

const SubscriptionId = z.string().min(1).max(64)

const Subscribe = z
  .object({
    type: z.literal('subscribe'),
    /** The client's name for the subscription (default `s1`, `s2`…). */
    id: SubscriptionId.optional(),
    /** A subset of the stream's topics (default: all the connection may read). */
    topics: z.array(z.string().min(1)).min(1).max(100).optional(),
    from: z.string().optional(),
    cursor: z.string().optional(),
  })
  .strict()

const Unsubscribe = z.object({ type: z.literal('unsubscribe'), id: SubscriptionId }).strict()

const Ack = z
  .object({
    type: z.literal('ack'),
    topic: z.string().min(1),
    partition: z.number().int().min(0),
    offset: z.union([z.string().regex(/^\d{1,19}$/), z.number().int().min(0)]),
  })
  .strict()

const ClientFrame = z.discriminatedUnion('type', [Subscribe, Unsubscribe, Ack])

export type SubscribeFrame = z.output<typeof Subscribe>
export type ClientFrame = z.output<typeof ClientFrame>

/** Throws a GatewayError for a frame that cannot be used: the connection closes with its code. */
export function parseClientFrame(data: Buffer, isBinary: boolean): ClientFrame {
  if (isBinary)
    throw new GatewayError(
      'unsupported-media-type',
      'binary frames are not supported: send JSON text'
    )
  let json: unknown
  try {
    json = JSON.parse(data.toString('utf8'))
  } catch {
    throw new GatewayError('bad-request', 'the frame is not JSON')
  }
  const parsed = ClientFrame.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
    throw new GatewayError(
      'bad-request',
      `not a weir.v1 frame${where}: ${issue?.message ?? 'invalid'}`
    )
  }
  return parsed.data
}

/**
 * A record's message, `{"type":"record",…}` in UTF-8: made once per rendering of the record and
 * sent as it is to every subscriber who gets that rendering (ws frames a Buffer without copying).
 */
export const recordFrame: (record: StreamRecord) => Buffer = sharedEncoding(({ json }) =>
  Buffer.from(`{"type":"record",${json.slice(1)}`)
)

export function gapFrame(gap: GapNotice): string {
  return JSON.stringify(gap)
}

export function errorFrame(error: GatewayError, id?: string): string {
  return JSON.stringify({
    type: 'error',
    ...(id === undefined ? {} : { id }),
    problem: error.toProblem(),
  })
}

/** Close reasons may hold at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text
  let cut = text.slice(0, 120)
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1)
  // Never half a surrogate pair: it would go out as U+FFFD.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return `${cut}…`
}
