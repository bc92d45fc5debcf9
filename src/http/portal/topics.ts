// Which topics a route or stream reaches, and the schema a request's value (or a delivered
// record's) takes across them. A fixed topic has one schema; a topic the client names from an
// allow-list may have one per topic, and glob patterns allow topics nobody can list.
import type { ProduceRouteConfig, StreamConfig, TopicsEndpointConfig } from '../../config/index.ts'
import type { AvroDirection } from './avro-json-schema.ts'
import type { SchemaComponents } from './components.ts'
import type { JsonSchema } from './json-schema.ts'
import type { SchemaEntry, SchemaRequest } from './schema-sources.ts'

export interface TopicChoice {
  /** Topics named outright: the fixed topic, or the literal names of an allow-list. */
  topics: string[]
  /** Glob patterns of an allow-list (other topics the client may name). */
  patterns: string[]
  /** Where the client names the topic, when it does. */
  parameter?: { in: 'path' | 'query'; name: string }
}

/** Looks up the schema of one topic's key or value (filled in by the document cache). */
export type SchemaLookup = (request: SchemaRequest) => SchemaEntry

export function routeTopics(route: ProduceRouteConfig): TopicChoice {
  const topic = route.topic
  if (typeof topic === 'string') return { topics: [topic], patterns: [] }
  return { ...split(topic.allowed), parameter: { in: topic.from, name: topic.name } }
}

export function topicsEndpointTopics(endpoint: TopicsEndpointConfig): TopicChoice {
  return { ...split(endpoint.allowed), parameter: { in: 'path', name: 'topic' } }
}

export function streamTopics(stream: StreamConfig): TopicChoice {
  const topics = stream.topics
  if (Array.isArray(topics)) return { topics: [...new Set(topics)], patterns: [] }
  return { ...split(topics.allowed), parameter: { in: 'path', name: topics.name } }
}

function split(globs: readonly string[]): Pick<TopicChoice, 'topics' | 'patterns'> {
  const wild = (g: string) => /[*?]/.test(g)
  return { topics: globs.filter((g) => !wild(g)), patterns: globs.filter(wild) }
}

/** A topic to show in examples: the first one named, else one a pattern allows. */
export function exampleTopic(choice: TopicChoice): string {
  const named = choice.topics[0]
  if (named !== undefined) return named
  const pattern = choice.patterns[0] ?? 'events'
  return pattern === '*' ? 'events' : pattern.replaceAll('*', 'example').replaceAll('?', 'x')
}

/** Human words for the topics: `"orders"`, `a topic matching "events.*"`. */
export function describeTopics(choice: TopicChoice): string {
  const named = choice.topics.map((t) => `"${t}"`)
  const patterns = choice.patterns.map((p) => (p === '*' ? 'any topic' : `a topic matching "${p}"`))
  const all = [...named, ...patterns]
  if (all.length === 1 && choice.parameter === undefined) return `topic ${all[0]}`
  const from = choice.parameter
    ? ` named by the ${choice.parameter.in} parameter "${choice.parameter.name}"`
    : ''
  return `one of ${all.join(', ')}${from}`
}

export interface TopicSchema {
  /** The JSON the value takes; undefined when any value goes. */
  schema: JsonSchema | undefined
  /** The schema of `exampleTopic`, for a matching example. */
  example: JsonSchema | undefined
}

/** The value schema across a choice of topics. */
export function valueSchema(
  choice: TopicChoice,
  schemaOf: (topic: string) => SchemaEntry,
  components: SchemaComponents,
  direction: AvroDirection
): TopicSchema {
  const per = choice.topics.map((topic) => ({
    topic,
    schema: components.forEntry(schemaOf(topic), direction),
  }))
  const first = per[0]?.schema
  if (per.length === 1 && choice.patterns.length === 0) return { schema: first, example: first }
  const known = per.filter((p) => p.schema !== undefined)
  if (known.length === 0) return { schema: undefined, example: undefined }
  const branches: JsonSchema[] = known.map((p) => ({
    ...(p.schema as JsonSchema),
    description: `on topic "${p.topic}"`,
  }))
  if (known.length < per.length || choice.patterns.length > 0) {
    branches.push({ description: 'on other topics: any JSON value, or the schema of that topic' })
  }
  return { schema: { anyOf: branches }, example: first }
}
