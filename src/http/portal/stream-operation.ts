// A stream's request/response face as an OpenAPI operation: `GET <path>` answers a long-poll
// (JSON) or, with `Accept: text/event-stream`, opens Server-Sent Events. The messages SSE and
// WebSocket carry are the AsyncAPI document's (asyncapi.ts).
import type { SchemaComponents } from './components.ts'
import { problemResponses } from './problem-examples.ts'
import { openApiRequirements, type Security } from './security.ts'
import { gapSchema } from './shapes.ts'
import type { StreamModel } from './stream-model.ts'
import { describeTopics, exampleTopic } from './topics.ts'

export function streamOperation(
  model: StreamModel,
  security: Security,
  components: SchemaComponents,
  operationId: string
): Record<string, unknown> {
  const protocols = model.config.protocols
  const poll = protocols.includes('long-poll')
  const sse = protocols.includes('sse')
  const limits = model.config.longPoll
  const parameters: Record<string, unknown>[] = []
  const param = model.topics.parameter
  if (param) {
    parameters.push({
      name: param.name,
      in: 'path',
      required: true,
      description: `the topic: ${describeTopics({ ...model.topics, parameter: undefined })}`,
      schema: { type: 'string' },
      example: exampleTopic(model.topics),
    })
  }
  for (const [name, q] of Object.entries(model.query)) {
    parameters.push({
      name,
      in: 'query',
      description: q.description,
      schema: q.schema,
      ...(q.example ? { example: q.example } : {}),
    })
  }
  if (poll) {
    parameters.push(
      {
        name: 'max',
        in: 'query',
        description: 'most records in the answer',
        schema: { type: 'integer', minimum: 1, maximum: limits.maxRecords },
      },
      {
        name: 'wait',
        in: 'query',
        description: 'longest wait for the first record, in ms',
        schema: { type: 'integer', minimum: 0, maximum: limits.maxWaitMs },
      }
    )
  }
  if (sse) {
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      description: 'SSE: resume after this event (EventSource sends it by itself)',
      schema: { type: 'string' },
    })
  }
  const content: Record<string, unknown> = {}
  if (poll) {
    content['application/json'] = {
      schema: {
        type: 'object',
        required: ['cursor', 'records'],
        properties: {
          cursor: { type: 'string', description: 'send it back as ?cursor= with the next poll' },
          records: { type: 'array', items: model.record },
          gaps: { type: 'array', items: components.shared('StreamGap', () => gapSchema) },
        },
      },
    }
  }
  if (sse) {
    content['text/event-stream'] = {
      schema: {
        type: 'string',
        description:
          'Server-Sent Events: ready, record, tombstone, gap, end, problem (see /asyncapi.json)',
      },
    }
  }
  const ways = [
    poll ? 'long-poll (any Accept)' : '',
    sse ? 'Server-Sent Events (Accept: text/event-stream)' : '',
  ]
    .filter((w) => w !== '')
    .join(' or ')
  return {
    operationId,
    summary: `Stream ${model.name}`,
    description: `${model.summary}, as ${ways}.${protocols.includes('websocket') ? ' WebSocket (weir.v1) on the same path: see /asyncapi.json.' : ''}`,
    tags: ['Streams'],
    parameters,
    responses: {
      '200': {
        description: poll
          ? 'The records after the cursor (empty after `wait`).'
          : 'The event stream.',
        content,
      },
      ...problemResponses({
        produce: false,
        authenticated: security.alternatives.length > 0 && !security.anonymous,
        acl: true,
        rateLimited: true,
        sync: false,
      }),
    },
    security: openApiRequirements(security),
  }
}
