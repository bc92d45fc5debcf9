// Views in the OpenAPI document (src/http/views/view-routes.ts): `GET {path}` lists a view's keys a
// page at a time, `GET {path}/{key}` reads the latest value of one (ETag, If-None-Match → 304,
// `Prefer: wait=N` to long-poll for a change). Both refuse with 503 while the view still reads
// its topic, and ask for `consume` on it.
import { GatewayError } from '../../core/errors.ts'
import type { SchemaComponents } from './components.ts'
import { problemResponse, retryAfter } from './problem-examples.ts'
import { sharedRefusals, type ConsumeRefusals } from './reply-operations.ts'
import { schemaNote, type ViewModel } from './resource-model.ts'
import { openApiRequirements, type Security } from './security.ts'
import { viewPageSchema } from './shapes.ts'

/** The key a view's examples read (the portal test writes a record with it). */
export const EXAMPLE_VIEW_KEY = 'key-1'

const header = (description: string) => ({ description, schema: { type: 'string' } })

function common(view: ViewModel, refusals: ConsumeRefusals): Record<string, unknown> {
  const name = view.config.name
  return {
    ...sharedRefusals(refusals),
    ...(refusals.acl
      ? {
          '403': problemResponse('An ACL does not allow this principal to read the topic.', {
            acl: new GatewayError(
              'forbidden',
              `principal "bob" may not consume topic "${view.config.topic}"`
            ),
          }),
        }
      : {}),
    '503': problemResponse(
      'The view could not read its topic up to the end offsets at the time of the request within its wait: it is still loading (after a start or a change of it), behind, or the backend does not answer. An answer now could be stale. Retry.',
      {
        loading: new GatewayError(
          'backend-unavailable',
          `view "${name}" is still loading its topic`,
          {
            retryAfterSeconds: 1,
          }
        ),
      },
      retryAfter
    ),
  }
}

function summaryOf(view: ViewModel): string {
  const { config } = view
  return `View "${config.name}": the latest value per key of the compacted topic "${config.topic}" on virtual cluster "${config.virtualCluster}", from memory (tombstones delete).`
}

export function listKeysOperation(
  view: ViewModel,
  security: Security,
  refusals: ConsumeRefusals,
  components: SchemaComponents,
  operationId: string
): Record<string, unknown> {
  const { config } = view
  return {
    operationId,
    summary: `List the keys of view "${config.name}"`,
    description: [
      summaryOf(view),
      `Keys in code unit order, ${config.pageSize} per page unless \`limit\` says otherwise: follow \`next\` (or the Link header) for the next page. A view holds at most ${config.maxKeys} keys and ${config.maxBytes} bytes; past either bound it drops the keys written least recently and says \`complete: false\`.`,
    ].join('\n\n'),
    tags: ['Views'],
    parameters: [
      {
        name: 'limit',
        in: 'query',
        description: `keys per page (default ${config.pageSize})`,
        schema: { type: 'integer', minimum: 1, maximum: 1000 },
      },
      {
        name: 'after',
        in: 'query',
        description: 'start after this key (the `next` of the page before)',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': {
        description: 'One page of keys.',
        headers: { Link: header('`<next>; rel="next"` when more keys follow') },
        content: {
          'application/json': { schema: components.shared('ViewPage', () => viewPageSchema) },
        },
      },
      '400': problemResponse('`limit` is not a whole number from 1 to 1000.', {
        limit: new GatewayError('bad-request', '"limit" must be a whole number from 1 to 1000'),
      }),
      ...common(view, refusals),
    },
    security: openApiRequirements(security),
  }
}

export function readKeyOperation(
  view: ViewModel,
  security: Security,
  refusals: ConsumeRefusals,
  operationId: string
): Record<string, unknown> {
  const { config } = view
  const mode = config.format.value
  const content: Record<string, unknown> = {}
  if (mode === 'auto' || mode === 'json') {
    content['application/json'] = {
      schema: view.schema ?? {
        description:
          mode === 'auto'
            ? 'any JSON: the value decoded through the schema registry when framed, else as written when it parses as JSON'
            : 'any JSON: the value as written, when it parses as JSON',
      },
    }
  }
  if (mode !== 'base64') {
    content['text/plain'] = { schema: { type: 'string', description: 'a value that is text' } }
  }
  content['application/octet-stream'] = {
    schema: { type: 'string', format: 'binary', description: 'any other value, as its bytes' },
  }
  const versioned = {
    ETag: header(
      "the value's version: the record's partition and offset (the same on every node), quotes included"
    ),
    'Last-Modified': header("the record's timestamp"),
    'Cache-Control': header('no-cache'),
  }
  return {
    operationId,
    summary: `Read a key of view "${config.name}"`,
    description: [
      summaryOf(view),
      schemaNote(view.entry, view.schema !== undefined),
      `With \`If-None-Match\` and the current ETag the answer is 304. With \`Prefer: wait=N\` a request whose answer would be what the client has (the ETag it sent; no key, when it sent none) waits up to N seconds (at most ${Math.floor(config.maxWaitMs / 1000)} s) for a change or a deletion.`,
    ]
      .filter((line) => line !== '')
      .join('\n\n'),
    tags: ['Views'],
    parameters: [
      {
        name: 'key',
        in: 'path',
        required: true,
        description: `the record key as text (${config.format.key === 'auto' ? 'JSON keys as compact JSON, registry-framed ones decoded' : config.format.key}); percent-encode \`/\``,
        schema: { type: 'string' },
        example: EXAMPLE_VIEW_KEY,
      },
      {
        name: 'If-None-Match',
        in: 'header',
        description: 'ETags the client has (or `*`): 304 while one of them is current',
        schema: { type: 'string' },
      },
      {
        name: 'Prefer',
        in: 'header',
        description: `\`wait=N\`: long-poll up to N seconds (at most ${Math.floor(config.maxWaitMs / 1000)} s) for a change`,
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': { description: 'The latest value of the key.', headers: versioned, content },
      '304': { description: 'The ETag in If-None-Match is still current.', headers: versioned },
      '404': problemResponse(
        'The view has no such key (none now, or none came within `Prefer: wait`). A view over its bounds says `complete: false`: the key may exist.',
        {
          key: new GatewayError(
            'not-found',
            `view "${config.name}" has no key "${EXAMPLE_VIEW_KEY}"`
          ),
          incomplete: new GatewayError(
            'not-found',
            `view "${config.name}" has no key "${EXAMPLE_VIEW_KEY}" (the view is over its bounds and dropped keys written least recently: the key may exist)`,
            { extensions: { complete: false } }
          ),
        }
      ),
      ...common(view, refusals),
    },
    security: openApiRequirements(security),
  }
}
