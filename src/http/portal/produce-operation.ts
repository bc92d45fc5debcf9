// One produce endpoint (a configured route, or POST /topics/{topic}) as an OpenAPI operation: its
// parameters (path, topic, key, partition, forwarded headers, Idempotency-Key, CloudEvents binary
// mode), the bodies it takes (JSON, JSON arrays and NDJSON on batch routes, CloudEvents, raw
// bytes where no schema applies), its 202 and the refusals it can give. A request-reply route
// answers with its reply instead (reply-operations.ts says how).
import type {
  FromRequestConfig,
  ProduceRouteConfig,
  VirtualClusterConfig,
  WeirConfig,
} from '../../config/index.ts'
import type { SchemaComponents } from './components.ts'
import { componentResolver, exampleOf } from './examples.ts'
import type { JsonSchema } from './json-schema.ts'
import type { SchemaEntry } from './schema-sources.ts'
import { problemResponses } from './problem-examples.ts'
import { openApiRequirements, type Security } from './security.ts'
import { accepted, envelopeBodies, rawBodies } from './produce-bodies.ts'
import type { ReplyRouteParts } from './reply-operations.ts'
import {
  describeTopics,
  exampleTopic,
  valueSchema,
  type SchemaLookup,
  type TopicChoice,
} from './topics.ts'

/** A produce route, or the topics endpoint, with what the generator needs of either. */
export interface ProduceEndpointModel {
  method: string
  path: string
  name: string | undefined
  topics: TopicChoice
  route: Omit<ProduceRouteConfig, 'name' | 'method' | 'path' | 'topic'>
  /** A request-reply route: what the reply adds (reply-operations.ts). */
  reply?: ReplyRouteParts
}

export interface OperationContext {
  config: WeirConfig
  vc: VirtualClusterConfig | undefined
  security: Security
  components: SchemaComponents
  schemas: SchemaLookup
}

type Parameter = Record<string, unknown>

export function produceOperation(
  endpoint: ProduceEndpointModel,
  context: OperationContext
): Record<string, unknown> {
  const { route, topics, reply } = endpoint
  const { components } = context
  const schemaOf = (topic: string) =>
    context.schemas({
      virtualCluster: route.virtualCluster,
      policies: route.policies,
      topic,
      part: 'value',
    })
  const value = valueSchema(topics, schemaOf, components, 'write')
  const topic = exampleTopic(topics)
  const resolve = componentResolver(components.schemas)
  let example =
    value.example === undefined ? { id: 'e-1', amount: 12.5 } : exampleOf(value.example, resolve)
  if (route.key?.from === 'body')
    example = withKey(example, route.key.pointer, value.example === undefined)

  const policies = policiesOf(context, route.policies)
  const description = [
    `Produces to ${describeTopics(topics)} on virtual cluster "${route.virtualCluster}".`,
    keyLine(route.key),
    route.valueMode === 'envelope'
      ? 'The record value is an envelope of the whole request: `{method, uri, uri_args, headers, body, body_args}`.'
      : 'The body is the record value.',
    ...(reply?.description ?? []),
    reply !== undefined
      ? ''
      : route.batch
        ? 'A JSON array or NDJSON holds many events; a batch is validated as a whole.'
        : 'One event per request.',
    deliveryLine(route.delivery, reply !== undefined),
    route.headers.forward.some((h) => /[*?]/.test(h))
      ? `Headers matching ${route.headers.forward.map((h) => `\`${h}\``).join(', ')} are copied to record headers.`
      : '',
    ...schemaLines(topics, schemaOf),
  ].filter((line) => line !== '')

  return {
    operationId: endpoint.name,
    summary:
      reply === undefined
        ? `Produce to ${describeTopics(topics)}`
        : `Request through ${describeTopics(topics)}, answered with the reply`,
    description: description.join('\n\n'),
    tags: ['Produce'],
    parameters: [...parameters(endpoint, topic), ...(reply?.parameters ?? [])],
    requestBody: {
      required: true,
      content:
        route.valueMode === 'envelope'
          ? envelopeBodies(value.schema)
          : rawBodies(route.batch, value.schema, example),
    },
    responses: {
      ...(reply?.responses ?? { '202': accepted(route, components) }),
      ...problemResponses({
        produce: true,
        authenticated: context.security.alternatives.length > 0 && !context.security.anonymous,
        // The broker's own ACLs judge a tenant that has a backend identity there.
        acl:
          policies.some((p) => p.kind === 'acl') ||
          context.vc?.backendIdentity !== undefined ||
          (context.vc?.backendIdentities.length ?? 0) > 0,
        rateLimited: policies.some((p) => p.kind === 'rate-limit'),
        sync: route.delivery.mode === 'sync',
      }),
    },
    security: openApiRequirements(context.security),
  }
}

function deliveryLine(delivery: ProduceRouteConfig['delivery'], reply: boolean): string {
  if (delivery.mode === 'sync') {
    if (delivery.atomic && !reply)
      return `Answers 202 once the request's records are committed in one Kafka transaction, all or none; 504 after ${delivery.ackTimeoutMs} ms without, and then none is written.`
    return reply
      ? `The request record is produced with acks=${delivery.acks}: 504 after ${delivery.ackTimeoutMs} ms without the brokers' acknowledgement.`
      : `Answers 202 once the brokers acknowledged (acks=${delivery.acks}), 504 after ${delivery.ackTimeoutMs} ms without.`
  }
  return reply
    ? 'The request record goes through the bounded async buffer.'
    : 'Answers 202 once the records are in the bounded async buffer.'
}

function policiesOf(context: OperationContext, own: readonly string[]) {
  const names = new Set([...(context.vc?.policies ?? []), ...own])
  return context.config.policies.filter((p) => names.has(p.name))
}

function keyLine(key: FromRequestConfig | undefined): string {
  if (key === undefined) return "Records have no key (partitions by Kafka's default partitioner)."
  if (key.from === 'body') return `The record key is read from \`${key.pointer}\` of each event.`
  return `The record key is the ${key.from} ${key.from === 'header' ? '' : 'parameter '}\`${key.name}\`.`
}

function schemaLines(topics: TopicChoice, schemaOf: (topic: string) => SchemaEntry): string[] {
  return topics.topics.flatMap((topic) => {
    const entry = schemaOf(topic)
    if (entry.kind === 'none') return []
    if (entry.kind === 'unavailable')
      return [
        `Values on "${topic}" must match the ${entry.format} schema "${entry.name}", which cannot be read now.`,
      ]
    return [
      `Values on "${topic}" are validated against the ${entry.format === 'avro' ? 'Avro' : 'JSON'} schema of ${entry.origin}.`,
    ]
  })
}

/** Puts a key at `pointer` when the example has none there (schema-less bodies). */
function withKey(example: unknown, pointer: string, free: boolean): unknown {
  if (pointer === '' || typeof example !== 'object' || example === null) return example
  const path = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
  let node = example as Record<string, unknown>
  for (const [i, token] of path.entries()) {
    const last = i === path.length - 1
    if (node[token] === undefined || node[token] === null) {
      if (!free) return example
      node[token] = last ? 'key-1' : {}
    }
    if (!last) node = node[token] as Record<string, unknown>
  }
  return example
}

function parameters(endpoint: ProduceEndpointModel, topic: string): Parameter[] {
  const { route, topics } = endpoint
  const list: Parameter[] = []
  const seen = new Set<string>()
  const add = (p: Parameter) => {
    const key = `${p.in as string}:${(p.name as string).toLowerCase()}`
    if (!seen.has(key)) list.push(p)
    seen.add(key)
  }
  const topicParam = topics.parameter
  const topicSchema: JsonSchema =
    topics.patterns.length === 0 ? { type: 'string', enum: topics.topics } : { type: 'string' }
  if (topicParam) {
    add({
      name: topicParam.name,
      in: topicParam.in,
      required: true,
      description: `the topic: ${describeTopics({ ...topics, parameter: undefined })}`,
      schema: topicSchema,
      example: topic,
    })
  }
  const key = route.key
  if (key !== undefined && key.from !== 'body') {
    add({
      name: key.name,
      in: key.from,
      required: true,
      description: 'the record key',
      schema: { type: 'string' },
      example: 'key-1',
    })
  }
  const partition = route.partition
  if (typeof partition === 'object' && partition.from !== 'body') {
    add({
      name: partition.name,
      in: partition.from,
      required: partition.from === 'path',
      description: 'the partition (default: by key hash)',
      schema: { type: 'integer', minimum: 0 },
    })
  }
  for (const name of pathParams(endpoint.path)) {
    add({ name, in: 'path', required: true, schema: { type: 'string' }, example: 'example-1' })
  }
  add({
    name: 'Idempotency-Key',
    in: 'header',
    description:
      endpoint.reply === undefined
        ? 'A repeat within 24 hours gets the first answer (with Idempotent-Replayed: true) and produces nothing; the same key with another body is a 422.'
        : "A repeat within 24 hours produces nothing and gets the first request's reply (or its 202, with Idempotent-Replayed: true); the same key with another body is a 422.",
    schema: { type: 'string' },
  })
  add({
    name: 'X-Request-Id',
    in: 'header',
    description: 'the id the answer carries (default: a new UUID)',
    schema: { type: 'string' },
  })
  for (const name of route.headers.forward.filter((h) => !/[*?]/.test(h))) {
    const target = route.headers.rename[name] ?? route.headers.rename[name.toLowerCase()] ?? name
    add({
      name,
      in: 'header',
      description: `copied to the record header "${target}"`,
      schema: { type: 'string' },
    })
  }
  if (route.headers.traceContext) {
    add({
      name: 'traceparent',
      in: 'header',
      description: 'W3C trace context, copied to the record',
      schema: { type: 'string' },
    })
  }
  if (route.valueMode === 'raw') {
    for (const attribute of ['specversion', 'id', 'source', 'type']) {
      add({
        name: `ce-${attribute}`,
        in: 'header',
        description: `CloudEvents binary mode: with ce-specversion set, ce-id, ce-source and ce-type are required and every ce-* header becomes a ce_* record header (${attribute === 'specversion' ? '"1.0"' : `the event's ${attribute}`}).`,
        schema: { type: 'string' },
      })
    }
  }
  return list
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}/]+)\}/g)].map((m) => m[1] as string)
}
