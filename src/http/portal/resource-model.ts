// What the documents say about the Kafka-backed resources of one http listener: its
// request-reply routes with the reply each answers with, where replies are fetched and pushed
// (`requests`), and its views, each with the value schema its topic has, where the client gets
// that value decoded as the schema describes it (src/http/resources/body.ts).
import type { HttpListenerConfig, ProduceRouteConfig } from '../../config/index.ts'
import type { SchemaComponents } from './components.ts'
import type { JsonSchema } from './json-schema.ts'
import type { SchemaEntry } from './schema-sources.ts'
import { decodesSchema } from './shapes.ts'
import type { SchemaLookup } from './topics.ts'

export type ReplySettings = NonNullable<ProduceRouteConfig['reply']>
export type RequestsSettings = NonNullable<HttpListenerConfig['requests']>
export type ViewSettings = HttpListenerConfig['views'][number]

export interface ReplyModel {
  /** The route's name, as `?route=` and the ready event name it (reply-service.ts routeName). */
  name: string
  virtualCluster: string
  /** The route's own policies (after the virtual cluster's). */
  policies: readonly string[]
  settings: ReplySettings
  /** The JSON a reply body takes, when the reply topic has a schema clients get decoded. */
  schema: JsonSchema | undefined
  entry: SchemaEntry
}

export interface ViewModel {
  config: ViewSettings
  /** Where it is served: `config.path`, or `/views/{name}` (view-service.ts viewPath). */
  path: string
  /** The JSON a value takes, when the topic has a schema clients get decoded. */
  schema: JsonSchema | undefined
  entry: SchemaEntry
}

/** As src/replies/reply-service.ts names a route (in `?route=`, ids and policy requests). */
export function replyRouteName(route: ProduceRouteConfig): string {
  return route.name ?? `${route.method} ${route.path}`
}

/** The request-reply model of a route, or undefined for a plain produce route. */
export function replyModel(
  route: ProduceRouteConfig,
  components: SchemaComponents,
  schemas: SchemaLookup
): ReplyModel | undefined {
  const settings = route.reply
  if (settings === undefined) return undefined
  const entry = schemas({
    virtualCluster: route.virtualCluster,
    policies: route.policies,
    topic: settings.topic,
    part: 'value',
  })
  // Replies decode as `auto` through the virtual cluster's registry (reply-response.ts).
  const schema = decodesSchema('auto', entry) ? components.forEntry(entry, 'read') : undefined
  return {
    name: replyRouteName(route),
    virtualCluster: route.virtualCluster,
    policies: route.policies,
    settings,
    schema,
    entry,
  }
}

/** The reply models of a listener's request-reply routes. */
export function replyModels(
  listener: HttpListenerConfig,
  components: SchemaComponents,
  schemas: SchemaLookup
): ReplyModel[] {
  if (listener.requests === undefined) return []
  return listener.routes.flatMap((route) => replyModel(route, components, schemas) ?? [])
}

export function viewModels(
  listener: HttpListenerConfig,
  components: SchemaComponents,
  schemas: SchemaLookup
): ViewModel[] {
  return listener.views.map((config) => {
    const entry = schemas({
      virtualCluster: config.virtualCluster,
      policies: config.policies,
      topic: config.topic,
      part: 'value',
    })
    const schema = decodesSchema(config.format.value, entry)
      ? components.forEntry(entry, 'read')
      : undefined
    return { config, path: config.path ?? `/views/${config.name}`, schema, entry }
  })
}

/** The body of a reply from any of `replies`: one schema, a choice of them, or any JSON. */
export function replyBodySchema(replies: readonly ReplyModel[]): JsonSchema | undefined {
  const known = replies.filter((r) => r.schema !== undefined)
  if (known.length === 0) return undefined
  const distinct = new Map(known.map((r) => [JSON.stringify(r.schema), r]))
  if (known.length === replies.length && distinct.size === 1) return known[0]?.schema
  const branches: JsonSchema[] = [...distinct.values()].map((r) => ({
    ...(r.schema as JsonSchema),
    description: `a reply of route "${r.name}"`,
  }))
  if (known.length < replies.length) {
    branches.push({ description: 'a reply of another route: any JSON value' })
  }
  return { anyOf: branches }
}

/** How the value of an entry is documented, for descriptions. */
export function schemaNote(entry: SchemaEntry, decoded: boolean): string {
  if (entry.kind === 'schema' && decoded) {
    return `Values follow the ${entry.format === 'avro' ? 'Avro' : 'JSON'} schema of ${entry.origin}${entry.format === 'avro' ? ', as JSON' : ''}.`
  }
  if (entry.kind === 'schema') {
    return `Values are written with the ${entry.format === 'avro' ? 'Avro' : 'JSON'} schema of ${entry.origin}, and served as they are, not decoded.`
  }
  if (entry.kind === 'unavailable') {
    return `Values follow the ${entry.format} schema "${entry.name}", which cannot be read now.`
  }
  return ''
}
