// What the documents say about one stream, whichever document says it: its topics, the record it
// delivers (with the topics' value schema when the stream delivers values as it describes), and
// the query parameters every protocol of it takes.
import type { StreamConfig } from '../../config/index.ts'
import type { SchemaComponents } from './components.ts'
import { pathSlug, type JsonSchema } from './json-schema.ts'
import { deliversSchema, streamRecordSchema, valueNote } from './shapes.ts'
import {
  describeTopics,
  exampleTopic,
  streamTopics,
  valueSchema,
  type SchemaLookup,
  type TopicChoice,
} from './topics.ts'

export interface StreamModel {
  config: StreamConfig
  /** The stream's name (its path when unnamed), as logs and the welcome frame say it. */
  name: string
  topics: TopicChoice
  /** `$ref` to the record component of this stream. */
  record: JsonSchema
  /** Query parameters: name → schema and description. */
  query: Record<string, { schema: JsonSchema; description: string; example?: string }>
  /** The path with the topic parameter filled in, for examples. */
  examplePath: string
  summary: string
}

export function streamModel(
  stream: StreamConfig,
  components: SchemaComponents,
  schemas: SchemaLookup
): StreamModel {
  const name = stream.name ?? stream.path
  const topics = streamTopics(stream)
  const entryOf = (topic: string) =>
    schemas({
      virtualCluster: stream.virtualCluster,
      policies: stream.policies,
      topic,
      part: 'value',
    })
  const delivered = (topic: string) => {
    const entry = entryOf(topic)
    return deliversSchema(stream, entry) ? entry : ({ kind: 'none' } as const)
  }
  const value = valueSchema(topics, delivered, components, 'read')
  const record = components.add(
    `${stream.name ?? pathSlug(stream.path)}.record`,
    streamRecordSchema(value.schema, valueNote(stream))
  )
  const query: StreamModel['query'] = {}
  if (Array.isArray(stream.topics)) {
    query.topics = {
      schema: { type: 'string' },
      description: `a comma-separated subset of ${stream.topics.join(', ')} (default: all); WebSocket: empty starts with no subscription`,
    }
  }
  if (stream.clientStart) {
    query.from = {
      schema: { type: 'string' },
      description: 'where to start: earliest, latest, epoch milliseconds or an ISO 8601 date-time',
      example: 'earliest',
    }
  }
  query.cursor = {
    schema: { type: 'string' },
    description: 'resume after a cursor this stream gave (long-poll answers, SSE ids)',
  }
  const param = topics.parameter
  const examplePath = param
    ? stream.path.replace(`{${param.name}}`, exampleTopic(topics))
    : stream.path
  const summary = `Records of ${describeTopics(topics)} on virtual cluster "${stream.virtualCluster}" (${stream.delivery}, group ${stream.group.mode})`
  return { config: stream, name, topics, record, query, examplePath, summary }
}
