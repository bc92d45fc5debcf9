// How a reply, or its absence, answers an HTTP request: the reply's status, headers and body; or
// 202 Accepted with `Location` to fetch it from. Shared by the request-reply route (sync answer
// or timeout) and `GET /requests/{id}` (found, or still pending).
import { decodeValue, httpBody, type ValueFormat } from '../resources/body.ts'
import type { RecordDeserializer } from '../../stream/record.ts'
import type { Logger } from '../../observability/logger.ts'
import type { StoredReply } from '../../replies/reply-store.ts'
import type { ReplyRoute } from '../../replies/reply-service.ts'

/** Statuses that carry no body. */
const NO_BODY = new Set([204, 205, 304])

export async function replyResponse(
  reply: StoredReply,
  format: ValueFormat,
  schemas: RecordDeserializer,
  extraHeaders: Record<string, string>
): Promise<Response> {
  const headers = new Headers(reply.headers)
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value)
  let body: Buffer | null = null
  if (reply.body !== null && !NO_BODY.has(reply.status)) {
    if (headers.has('content-type')) {
      // The service said what the bytes are: they go out as they are.
      body = reply.body
    } else {
      const rendered = httpBody(reply.body, await decodeValue(reply.body, format, schemas))
      body = rendered.bytes
      headers.set('content-type', rendered.contentType)
    }
  }
  return new Response(body, { status: reply.status, headers })
}

export interface Pending {
  id: string
  location: string
  /** The request record, when this answer follows producing it. */
  record?: { topic: string; partition?: number; offset?: string }
  /** The client asked for `respond-async`. */
  asyncPreferred: boolean
  requestId?: string
}

/** 202 Accepted: the reply is not there (yet); `Location` is where it will be. */
export function pendingResponse(pending: Pending): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    location: pending.location,
    'retry-after': '1',
    'cache-control': 'no-store',
  }
  if (pending.asyncPreferred) headers['preference-applied'] = 'respond-async'
  if (pending.requestId !== undefined) headers['x-request-id'] = pending.requestId
  const body = {
    id: pending.id,
    status: 'pending',
    location: pending.location,
    ...(pending.record ?? {}),
  }
  return new Response(JSON.stringify(body), { status: 202, headers })
}

/** How reply values decode: through the route's virtual cluster's registry. */
export function replyValueFormat(route: ReplyRoute, logger: Logger): ValueFormat {
  return {
    mode: 'auto',
    registry: route.virtualCluster.schemaRegistry,
    onDecodeError: (err: unknown) =>
      logger.warn({ err, route: route.name }, 'a reply could not be decoded: sent as bytes'),
  }
}
