// The bodies a produce route takes and the 202 it answers, as OpenAPI media types: JSON (one
// event, or an array on batch routes), NDJSON, structured and batched CloudEvents, raw bytes where
// no schema applies (src/http/produce/body.ts), or anything in envelope mode (envelope.ts).
import type { SchemaComponents } from './components.ts'
import type { JsonSchema } from './json-schema.ts'
import type { ProduceEndpointModel } from './produce-operation.ts'
import { acceptedBatchSchema, acceptedSchema, bufferedSchema } from './shapes.ts'

export function rawBodies(
  batch: boolean,
  schema: JsonSchema | undefined,
  example: unknown
): Record<string, unknown> {
  const event = schema ?? { description: 'any JSON value' }
  const content: Record<string, unknown> = {
    'application/json': {
      schema: batch
        ? {
            anyOf: [
              event,
              {
                type: 'array',
                minItems: 1,
                items: event,
                description: 'a batch: one record per element',
              },
            ],
          }
        : event,
      example,
    },
  }
  if (batch) {
    content['application/x-ndjson'] = {
      schema: { type: 'string', description: 'one JSON event per line' },
      example: `${JSON.stringify(example)}\n${JSON.stringify(example)}\n`,
    }
  }
  const cloudEvent = cloudEventSchema(event)
  content['application/cloudevents+json'] = {
    schema: cloudEvent,
    example: {
      specversion: '1.0',
      id: 'ce-1',
      source: '/example',
      type: 'com.example.event',
      data: example,
    },
  }
  if (batch)
    content['application/cloudevents-batch+json'] = {
      schema: { type: 'array', minItems: 1, items: cloudEvent },
    }
  if (schema === undefined) {
    content['application/octet-stream'] = {
      schema: {
        type: 'string',
        format: 'binary',
        description: 'any other media type is the record value, byte for byte',
      },
    }
  }
  return content
}

export function envelopeBodies(schema: JsonSchema | undefined): Record<string, unknown> {
  const note = schema === undefined ? '' : ' (a schema policy applies to the envelope)'
  return {
    'application/json': { schema: { description: `any JSON: parsed into body_args${note}` } },
    'application/x-www-form-urlencoded': {
      schema: { type: 'object', additionalProperties: { type: 'string' } },
    },
    'text/plain': { schema: { type: 'string' } },
    'application/octet-stream': {
      schema: {
        type: 'string',
        format: 'binary',
        description: 'sent as body, base64 (body_base64: true)',
      },
    },
  }
}

function cloudEventSchema(data: JsonSchema): JsonSchema {
  return {
    type: 'object',
    description:
      'A structured CloudEvent: attributes become ce_* record headers, datacontenttype becomes content-type, data the value.',
    required: ['specversion', 'id', 'source', 'type'],
    properties: {
      specversion: { type: 'string', example: '1.0' },
      id: { type: 'string' },
      source: { type: 'string' },
      type: { type: 'string' },
      datacontenttype: { type: 'string' },
      data,
      data_base64: { type: 'string', contentEncoding: 'base64' },
    },
  }
}

export function accepted(
  route: ProduceEndpointModel['route'],
  components: SchemaComponents
): Record<string, unknown> {
  const single = components.shared('ProduceAccepted', () => acceptedSchema)
  const schema =
    route.delivery.mode === 'async'
      ? components.shared('ProduceBuffered', () => bufferedSchema)
      : route.batch
        ? { anyOf: [single, components.shared('ProduceAcceptedBatch', () => acceptedBatchSchema)] }
        : single
  return {
    description:
      route.delivery.mode === 'async'
        ? 'Accepted into the async buffer.'
        : 'Acknowledged by the brokers.',
    headers: {
      'X-Request-Id': { description: 'the request id', schema: { type: 'string' } },
      'Idempotent-Replayed': {
        description: '"true" when this is the stored answer to an earlier request',
        schema: { type: 'string' },
      },
    },
    content: { 'application/json': { schema } },
  }
}
