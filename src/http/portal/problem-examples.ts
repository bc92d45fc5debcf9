// The refusals a produce route can answer, as OpenAPI responses: `application/problem+json` with
// the headers each one carries. The examples are made by the same GatewayError → problem code
// the doors answer with (src/core/errors.ts, src/http/error-response.ts), so they cannot drift
// from the real shape; the details are the messages Weir really writes.
import { GatewayError, shuttingDown } from '../../core/errors.ts'
import { PROBLEM_CONTENT_TYPE } from '../../core/problem.ts'
import { originRefused } from '../cors.ts'
import { gatewayErrorReply } from '../error-response.ts'
import type { JsonSchema } from './json-schema.ts'

/** What applies to a route, so only the refusals it can give are listed. */
export interface RefusalContext {
  /** A produce route (413, 415 and 422 are about bodies); else a stream. */
  produce: boolean
  /** Credentials are needed (some method other than anonymous). */
  authenticated: boolean
  acl: boolean
  rateLimited: boolean
  /** `sync` delivery can time out waiting for the brokers. */
  sync: boolean
}

interface Refusal {
  component: string
  description: string
  examples: Record<string, GatewayError>
  headers?: Record<string, { description: string; schema: JsonSchema }>
  when?: (context: RefusalContext) => boolean
}

export const retryAfter = {
  'Retry-After': {
    description: 'seconds to wait before trying again',
    schema: { type: 'integer' },
  },
}

const refusals: Record<string, Refusal> = {
  '400': {
    component: 'BadRequest',
    description:
      'The request is malformed: JSON or NDJSON that does not parse, a CloudEvent missing an attribute, a bad partition.',
    examples: {
      json: new GatewayError(
        'bad-request',
        "the body is not valid JSON: Expected property name or '}' in JSON at position 1 (line 1 column 2)"
      ),
      cloudevent: new GatewayError('bad-request', 'binary CloudEvent lacks the ce-source header'),
    },
  },
  '401': {
    component: 'Unauthorized',
    description: 'No credentials, or wrong ones.',
    examples: {
      missing: new GatewayError('unauthenticated', 'credentials required: api-key', {
        headers: { 'WWW-Authenticate': 'ApiKey realm="weir"' },
      }),
    },
    headers: {
      'WWW-Authenticate': {
        description: 'the authentication schemes accepted',
        schema: { type: 'string' },
      },
    },
    when: (c) => c.authenticated,
  },
  '403': {
    component: 'Forbidden',
    description:
      "An ACL does not allow this principal to produce to this topic (Weir's, or the broker's for the tenant's backend identity); or, on a listener with `cors`, the request came from a web page whose origin is not listed.",
    examples: {
      acl: new GatewayError('forbidden', 'principal "alice" may not produce to topic "orders"'),
      broker: new GatewayError(
        'forbidden',
        'topic "orders": the broker refused writing to the topic as this client\'s backend identity (TOPIC_AUTHORIZATION_FAILED)'
      ),
      origin: originRefused('https://elsewhere.example'),
    },
    when: (c) => c.acl,
  },
  '404': {
    component: 'NotFound',
    description: "No such route, or a topic outside the route's allow-list or the virtual cluster.",
    examples: {
      topic: new GatewayError('not-found', 'topic "payments" is not available here'),
    },
  },
  '413': {
    component: 'ContentTooLarge',
    description: 'The body is larger than the route accepts.',
    examples: {
      body: new GatewayError('payload-too-large', 'the request body is larger than 1048576 bytes'),
    },
    when: (c) => c.produce,
  },
  '415': {
    component: 'UnsupportedMediaType',
    description:
      'A body that is not JSON where a schema applies, or NDJSON where one event is taken.',
    examples: {
      schema: new GatewayError(
        'unsupported-media-type',
        'the value of records on "orders" must be JSON: a avro schema applies'
      ),
    },
    when: (c) => c.produce,
  },
  '422': {
    component: 'UnprocessableContent',
    description:
      'Schema violations (each with its record, part and JSON pointer), a key that cannot be read, or an Idempotency-Key reused with another body. Nothing was produced.',
    examples: {
      schema: new GatewayError('invalid-record', 'the value does not match its schema', {
        extensions: {
          violations: [
            {
              record: 0,
              part: 'value',
              path: '/amount',
              message: 'expected double, got string "12,5"',
            },
          ],
        },
      }),
      idempotency: new GatewayError(
        'invalid-record',
        'Idempotency-Key "order-42" was already used with a different request body'
      ),
    },
    when: (c) => c.produce,
  },
  '429': {
    component: 'TooManyRequests',
    description: 'A rate limit refused the request.',
    examples: {
      rate: new GatewayError(
        'rate-limited',
        'rate limit "per-client" exceeded (100 requests/s per principal)',
        {
          retryAfterSeconds: 1,
          headers: {
            'RateLimit-Policy': '"per-client";q=100;w=1',
            RateLimit: '"per-client";r=0;t=1',
          },
        }
      ),
    },
    headers: {
      ...retryAfter,
      RateLimit: { description: 'IETF RateLimit header', schema: { type: 'string' } },
      'RateLimit-Policy': {
        description: 'IETF RateLimit-Policy header',
        schema: { type: 'string' },
      },
    },
    when: (c) => c.rateLimited,
  },
  '503': {
    component: 'ServiceUnavailable',
    description:
      'The backend cluster is unreachable, the async buffer is full, or this node is shutting down. Nothing was accepted: retry.',
    examples: {
      backend: new GatewayError(
        'backend-unavailable',
        'backend cluster "main" is unavailable: Connection error',
        {
          retryAfterSeconds: 1,
        }
      ),
      shutdown: shuttingDown(),
    },
    headers: retryAfter,
  },
  '504': {
    component: 'GatewayTimeout',
    description:
      "The brokers did not acknowledge within the route's ackTimeoutMs: the records may or may not have been written.",
    examples: {
      timeout: new GatewayError('backend-timeout', 'backend cluster "main" did not answer in time'),
    },
    when: (c) => c.sync,
  },
}

/** The problem+json schema every refusal has. */
export const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://weir.dev/problems/invalid-record' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'what went wrong, and what to fix' },
    instance: { type: 'string' },
    violations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          record: { type: 'integer', description: 'index of the record in a batch' },
          part: { type: 'string', enum: ['key', 'value'] },
          path: { type: 'string', description: 'JSON pointer into the record' },
          message: { type: 'string' },
        },
      },
    },
  },
}

/** Every refusal as a reusable response (`components.responses`). */
export function problemResponseComponents(): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const refusal of Object.values(refusals)) {
    const examples = Object.fromEntries(
      Object.entries(refusal.examples).map(([name, err]) => [
        name,
        { value: gatewayErrorReply(err).body },
      ])
    )
    out[refusal.component] = {
      description: refusal.description,
      ...(refusal.headers ? { headers: refusal.headers } : {}),
      content: {
        [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' }, examples },
      },
    }
  }
  return out
}

/** The refusals that apply, by status, as `$ref`s to the components. */
export function problemResponses(context: RefusalContext): Record<string, { $ref: string }> {
  const out: Record<string, { $ref: string }> = {}
  for (const [status, refusal] of Object.entries(refusals)) {
    if (refusal.when && !refusal.when(context)) continue
    out[status] = { $ref: `#/components/responses/${refusal.component}` }
  }
  return out
}

/**
 * A refusal only one kind of operation gives (a reply's owner check, a view still loading), as an
 * inline response with its own examples; the shared ones are components.
 */
export function problemResponse(
  description: string,
  examples: Record<string, GatewayError>,
  headers?: Refusal['headers']
): Record<string, unknown> {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: '#/components/schemas/Problem' },
        examples: Object.fromEntries(
          Object.entries(examples).map(([name, err]) => [
            name,
            { value: gatewayErrorReply(err).body },
          ])
        ),
      },
    },
  }
}
