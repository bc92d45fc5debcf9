// Request-reply in the OpenAPI document (src/http/request-reply/): what a request-reply route adds to its
// produce operation (`Prefer`, the reply as the answer, 202 + Location when it is late), and the
// listener's `GET {requests.path}/{id}` (fetch a reply) and `GET {requests.path}` (replies pushed
// as Server-Sent Events; their messages, and the WebSocket, are in the AsyncAPI document).
import { GatewayError } from '../../core/errors.ts'
import type { SchemaComponents } from './components.ts'
import type { JsonSchema } from './json-schema.ts'
import { problemResponse, problemResponses, retryAfter } from './problem-examples.ts'
import type { ReplyModel, RequestsSettings } from './resource-model.ts'
import { openApiRequirements, type Security } from './security.ts'
import { pendingSchema } from './shapes.ts'

/** Which shared refusals apply to an operation (see problem-examples.ts). */
export interface ConsumeRefusals {
  authenticated: boolean
  acl: boolean
  rateLimited: boolean
}

const seconds = (ms: number) => `${Math.floor(ms / 1000)} s`

const header = (description: string, example?: string) => ({
  description,
  schema: { type: 'string', ...(example === undefined ? {} : { example }) },
})

/** 401 and 429 as the shared components, where they apply. */
export function sharedRefusals(refusals: ConsumeRefusals): Record<string, unknown> {
  const shared = problemResponses({
    produce: false,
    authenticated: refusals.authenticated,
    acl: false,
    rateLimited: refusals.rateLimited,
    sync: false,
  })
  return Object.fromEntries(
    Object.entries(shared).filter(([status]) => status === '401' || status === '429')
  )
}

/** The media types a reply comes as (reply-response.ts replyResponse). */
export function replyContent(schema: JsonSchema | undefined): Record<string, unknown> {
  return {
    'application/json': {
      schema: schema ?? {
        description:
          'any JSON: the reply value when it parses as JSON, or decoded from the registry',
      },
    },
    'text/plain': { schema: { type: 'string', description: 'a reply value that is text' } },
    'application/octet-stream': {
      schema: { type: 'string', format: 'binary', description: 'any other reply value' },
    },
    '*/*': {
      schema: {
        description:
          'the reply value byte for byte, when the reply record has a content-type header (then that is the type)',
      },
    },
  }
}

/** The reply as the answer: 200, and any other status the replying service sets. */
export function replyResponses(
  schema: JsonSchema | undefined,
  requests: RequestsSettings
): Record<string, unknown> {
  const headers = {
    'Content-Location': header(`where the reply can be fetched again: ${requests.path}/{id}`),
  }
  return {
    '200': {
      description:
        'The reply, as the replying service wrote it to the reply topic: the status of its `weir-status` header (200 without one), its other headers (`content-type` above all, no `weir-*` ones) as response headers, its value as the body (decoded through the schema registry when framed and the record has no content-type). An empty value is an empty body.',
      headers,
      content: replyContent(schema),
    },
    default: {
      description:
        'The reply, with another status its `weir-status` header set (201, 404, 422…, any from 200 to 599; 502 when it set one Weir cannot send). Refusals by Weir itself are the problem+json answers listed here.',
      headers,
      content: replyContent(schema),
    },
  }
}

/** 202 Accepted: the reply is not there (yet); `route`: the request-reply route's own answer. */
export function pendingResponse(
  components: SchemaComponents,
  requests: RequestsSettings,
  route: boolean
): Record<string, unknown> {
  const headers: Record<string, unknown> = {
    Location: header(`where the reply will be: ${requests.path}/{id}`),
    'Retry-After': {
      description: 'seconds before fetching it again',
      schema: { type: 'integer' },
    },
    'Cache-Control': header('no-store'),
  }
  if (route) {
    headers['Preference-Applied'] = header('"respond-async" when the client preferred it')
    headers['X-Request-Id'] = header('the request id of the HTTP request (not the reply id)')
    headers['Idempotent-Replayed'] = header(
      '"true" when an earlier request with this Idempotency-Key was taken (nothing was produced again)'
    )
  }
  return {
    description: route
      ? `Produced, but no reply yet: the client sent \`Prefer: respond-async\`, or the reply did not come in time. Fetch it from Location (or have it pushed on ${requests.path}).`
      : `No reply yet. \`Prefer: wait=N\` holds the request until it comes (at most ${seconds(requests.maxWaitMs)}).`,
    headers,
    content: {
      'application/json': { schema: components.shared('RequestPending', () => pendingSchema) },
    },
  }
}

/** What a request-reply route adds to its produce operation. */
export interface ReplyRouteParts {
  description: string[]
  parameters: Record<string, unknown>[]
  responses: Record<string, unknown>
}

export function replyRouteParts(
  reply: ReplyModel,
  requests: RequestsSettings,
  components: SchemaComponents
): ReplyRouteParts {
  const { settings } = reply
  return {
    description: [
      `**Request-reply.** The request record carries \`weir-correlation-id\` (the request id) and \`weir-reply-to\` (the reply topic) headers; a service writes its reply to "${settings.topic}" with the same \`weir-correlation-id\`, and that reply is the answer. After ${settings.timeoutMs} ms without one (or at once with \`Prefer: respond-async\`) the answer is 202 with \`Location: ${requests.path}/{id}\`, where the reply can be fetched from any node for ${settings.retentionMs} ms after the request.`,
      `Taking the request needs \`produce\` on the request topic and \`consume\` on "${settings.topic}" (checked before anything is produced). One event per request.`,
    ],
    parameters: [
      {
        name: 'Prefer',
        in: 'header',
        description: `\`respond-async\`: answer 202 with Location at once, without waiting for the reply. \`wait=N\`: wait at most N seconds for the reply (the route waits at most ${seconds(settings.timeoutMs)}).`,
        schema: { type: 'string' },
      },
    ],
    responses: {
      ...replyResponses(reply.schema, requests),
      '202': pendingResponse(components, requests, true),
    },
  }
}

/** `GET {requests.path}/{id}` (fetch-reply.ts). */
export function fetchReplyOperation(
  requests: RequestsSettings,
  replies: readonly ReplyModel[],
  body: JsonSchema | undefined,
  security: Security,
  refusals: ConsumeRefusals,
  components: SchemaComponents,
  operationId: string
): Record<string, unknown> {
  const retention = [...new Set(replies.map((r) => r.settings.retentionMs))].join(' or ')
  return {
    operationId,
    summary: 'Fetch the reply to a request',
    description: [
      `The reply to a request one of the request-reply routes took (${replies.map((r) => `"${r.name}"`).join(', ')}), from any node: the \`Location\` of its 202, or the \`Content-Location\` of its reply. 202 while the reply is pending; the reply once it came, for ${retention} ms after the request.`,
      'Only the principal who made the request may read the reply, with `consume` on the reply topic.',
    ].join('\n\n'),
    tags: ['Requests'],
    parameters: [
      {
        name: 'id',
        in: 'path',
        required: true,
        description: 'the request id (base64url)',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
      },
      {
        name: 'Prefer',
        in: 'header',
        description: `\`wait=N\`: while the reply is pending, hold the request up to N seconds (at most ${seconds(requests.maxWaitMs)}) for it to come.`,
        schema: { type: 'string' },
      },
    ],
    responses: {
      ...replyResponses(body, requests),
      '202': pendingResponse(components, requests, false),
      ...sharedRefusals(refusals),
      '403': problemResponse(
        'The request was made by another principal, or an ACL does not allow reading the reply topic.',
        {
          owner: new GatewayError('forbidden', 'this request was made by another principal'),
          ...(refusals.acl
            ? {
                acl: new GatewayError(
                  'forbidden',
                  `principal "bob" may not consume topic "${replies[0]?.settings.topic ?? 'replies'}"`
                ),
              }
            : {}),
        }
      ),
      '404': problemResponse('No node issued this id, or its reply expired.', {
        unknown: new GatewayError('not-found', 'no request has the id "not-an-id"'),
        expired: new GatewayError(
          'not-found',
          `the reply to request "AQGZ…" expired (replies are kept ${replies[0]?.settings.retentionMs ?? 600_000} ms)`
        ),
      }),
    },
    security: openApiRequirements(security),
  }
}

/** `GET {requests.path}` with `Accept: text/event-stream` (reply-push.ts). */
export function replyEventsOperation(
  requests: RequestsSettings,
  replies: readonly ReplyModel[],
  security: Security,
  refusals: ConsumeRefusals,
  operationId: string
): Record<string, unknown> {
  const vcs = new Set(replies.map((r) => r.virtualCluster))
  return {
    operationId,
    summary: 'Replies pushed as they come',
    description: [
      `Server-Sent Events (send \`Accept: text/event-stream\`): a \`ready\` event, then a \`reply\` event for every reply to a request this principal made, on any node, as it comes (the event id is the request id). A \`: heartbeat\` comment every ${seconds(requests.heartbeatMs)}. A WebSocket on the same path gets the same messages. Both are described in /asyncapi.json.`,
      vcs.size > 1
        ? 'Routes of several virtual clusters reply here: name one with `?route=`.'
        : '`?route=` narrows the connection to one route.',
    ].join('\n\n'),
    tags: ['Requests'],
    parameters: [
      {
        name: 'route',
        in: 'query',
        required: vcs.size > 1,
        description: 'only the replies of this request-reply route (default: all)',
        schema: { type: 'string', enum: replies.map((r) => r.name) },
      },
    ],
    responses: {
      '200': {
        description: 'The event stream.',
        headers: { 'Cache-Control': header('no-cache, no-transform') },
        content: {
          'text/event-stream': {
            schema: {
              type: 'string',
              description: 'Server-Sent Events: ready, reply (see /asyncapi.json)',
            },
          },
        },
      },
      '400': problemResponse(
        'Not an event stream request, or routes of several virtual clusters and no `?route=`.',
        {
          accept: new GatewayError(
            'bad-request',
            'replies are pushed over Server-Sent Events (Accept: text/event-stream) or a WebSocket; fetch one with GET {path}/{id}'
          ),
        }
      ),
      ...sharedRefusals(refusals),
      ...(refusals.acl
        ? {
            '403': problemResponse('An ACL does not allow reading a reply topic.', {
              acl: new GatewayError(
                'forbidden',
                `principal "bob" may not consume topic "${replies[0]?.settings.topic ?? 'replies'}"`
              ),
            }),
          }
        : {}),
      '404': problemResponse('`?route=` names no request-reply route.', {
        route: new GatewayError('not-found', 'no request-reply route is named "orders"'),
      }),
      '503': problemResponse(
        'This node is shutting down: connect again (to another node).',
        {
          shutdown: new GatewayError('overloaded', 'this node is shutting down; connect again', {
            retryAfterSeconds: 1,
          }),
        },
        retryAfter
      ),
    },
    security: openApiRequirements(security),
  }
}
