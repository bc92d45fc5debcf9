// The OpenAPI 3.1 document of one http listener, generated from the configuration and the schemas
// its routes validate against: every produce route (and POST /topics/{topic}) with its bodies,
// parameters, security and answers, each stream's long-poll / SSE request, and the Kafka-backed
// resources: request-reply routes with where their replies are fetched and pushed, and views.
import type { HttpListenerConfig, WeirConfig } from '../../config/index.ts'
import { SchemaComponents } from './components.ts'
import { componentName, pathSlug, uniqueName } from './json-schema.ts'
import { problemResponseComponents, problemSchema } from './problem-examples.ts'
import { produceOperation, type ProduceEndpointModel } from './produce-operation.ts'
import {
  fetchReplyOperation,
  replyEventsOperation,
  replyRouteParts,
  type ConsumeRefusals,
} from './reply-operations.ts'
import { replyBodySchema, replyModel, viewModels, type ReplyModel } from './resource-model.ts'
import { mergeSecurity, openApiScheme, securityOf } from './security.ts'
import { streamModel } from './stream-model.ts'
import { streamOperation } from './stream-operation.ts'
import { routeTopics, topicsEndpointTopics, type SchemaLookup } from './topics.ts'
import { listKeysOperation, readKeyOperation } from './view-operations.ts'

export interface DocumentInput {
  listener: HttpListenerConfig
  config: WeirConfig
  schemas: SchemaLookup
  /** `info.version`: changes whenever the document does. */
  version: string
  /** Where the API is: `/` when the listener serves the document itself. */
  serverUrl: string
}

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>
}

export function openApiDocument(input: DocumentInput): OpenApiDocument {
  const { listener, config } = input
  const components = new SchemaComponents()
  components.shared('Problem', () => problemSchema)
  const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
  const securitySchemes: Record<string, unknown> = {}
  const operationIds = new Set<string>()
  const paths: Record<string, Record<string, unknown>> = {}
  const put = (path: string, method: string, operation: Record<string, unknown>) => {
    paths[path] ??= {}
    paths[path][method.toLowerCase()] = operation
  }
  const clientCerts = listener.tls?.clientCaFile !== undefined
  const securityFor = (vcName: string, door: 'produce' | 'stream') => {
    const security = securityOf(vcs.get(vcName), door, clientCerts)
    for (const [name, scheme] of security.schemes) securitySchemes[name] ??= openApiScheme(scheme)
    return security
  }
  /** The shared refusals of a `consume` on virtual clusters, with (route) policies. */
  const refusalsOf = (
    on: readonly { virtualCluster: string; policies: readonly string[] }[]
  ): ConsumeRefusals => {
    const names = new Set(
      on.flatMap((o) => [...(vcs.get(o.virtualCluster)?.policies ?? []), ...o.policies])
    )
    const kinds = new Set(config.policies.filter((p) => names.has(p.name)).map((p) => p.kind))
    return {
      // A request of any virtual cluster that needs credentials can be refused for their lack.
      authenticated: on.some((o) => {
        const security = securityOf(vcs.get(o.virtualCluster), 'produce', clientCerts)
        return security.alternatives.length > 0 && !security.anonymous
      }),
      acl: kinds.has('acl'),
      rateLimited: kinds.has('rate-limit'),
    }
  }

  const requests = listener.requests
  const replies: ReplyModel[] = []
  const endpoints: ProduceEndpointModel[] = listener.routes.map((config) => {
    const { name, method, path, topic: _topic, ...route } = config
    const id = uniqueName(operationIds, componentName(name ?? `produce-${pathSlug(path)}`))
    const reply = requests && replyModel(config, components, input.schemas)
    if (requests === undefined || reply === undefined) {
      return { method, path, name: id, topics: routeTopics(config), route }
    }
    replies.push(reply)
    return {
      method,
      path,
      name: id,
      topics: routeTopics(config),
      // One request, one record: the reply answers exactly one (request-route.ts).
      route: { ...route, batch: false },
      reply: replyRouteParts(reply, requests, components),
    }
  })
  if (listener.topicsEndpoint?.enabled) {
    const { enabled: _enabled, allowed: _allowed, ...route } = listener.topicsEndpoint
    endpoints.push({
      method: 'POST',
      path: '/topics/{topic}',
      name: uniqueName(operationIds, 'produce-to-topic'),
      topics: topicsEndpointTopics(listener.topicsEndpoint),
      route,
    })
  }
  for (const endpoint of endpoints) {
    const vc = vcs.get(endpoint.route.virtualCluster)
    const security = securityFor(endpoint.route.virtualCluster, 'produce')
    put(
      endpoint.path,
      endpoint.method,
      produceOperation(endpoint, { config, vc, security, components, schemas: input.schemas })
    )
  }
  for (const stream of listener.streams) {
    if (!stream.protocols.includes('long-poll') && !stream.protocols.includes('sse')) continue
    const model = streamModel(stream, components, input.schemas)
    const id = uniqueName(operationIds, `stream-${stream.name ?? pathSlug(stream.path)}`)
    put(
      stream.path,
      'GET',
      streamOperation(model, securityFor(stream.virtualCluster, 'stream'), components, id)
    )
  }
  if (requests !== undefined && replies.length > 0) {
    const vcNames = [...new Set(replies.map((r) => r.virtualCluster))]
    const headers = mergeSecurity(vcNames.map((vc) => securityFor(vc, 'produce')))
    put(
      `${requests.path}/{id}`,
      'GET',
      fetchReplyOperation(
        requests,
        replies,
        replyBodySchema(replies),
        headers,
        refusalsOf(replies),
        components,
        uniqueName(operationIds, 'fetch-reply')
      )
    )
    // Push connections also take credentials in the query (browsers' EventSource).
    const push = mergeSecurity(vcNames.map((vc) => securityFor(vc, 'stream')))
    put(
      requests.path,
      'GET',
      replyEventsOperation(
        requests,
        replies,
        push,
        refusalsOf(replies),
        uniqueName(operationIds, 'reply-events')
      )
    )
  }
  const views = viewModels(listener, components, input.schemas)
  for (const view of views) {
    const security = securityFor(view.config.virtualCluster, 'produce')
    const on = [{ virtualCluster: view.config.virtualCluster, policies: view.config.policies }]
    const refusals = refusalsOf(on)
    const slug = componentName(view.config.name)
    put(
      view.path,
      'GET',
      listKeysOperation(
        view,
        security,
        refusals,
        components,
        uniqueName(operationIds, `view-${slug}-keys`)
      )
    )
    put(
      `${view.path}/{key}`,
      'GET',
      readKeyOperation(view, security, refusals, uniqueName(operationIds, `view-${slug}-read`))
    )
  }

  return {
    openapi: '3.1.0',
    info: {
      title: `Weir: ${listener.name}`,
      version: input.version,
      description: [
        `The HTTP API of Weir's listener "${listener.name}", generated from its configuration and the schemas its routes validate against.`,
        'Refusals are `application/problem+json` (RFC 9457) with a detail saying what to fix.',
        asyncLine(
          listener.streams.some(
            (s) => s.protocols.includes('websocket') || s.protocols.includes('sse')
          ),
          replies.length > 0
        ),
      ]
        .filter((line) => line !== '')
        .join('\n\n'),
    },
    servers: [{ url: input.serverUrl }],
    tags: [
      { name: 'Produce', description: 'HTTP requests that become Kafka records' },
      ...(listener.streams.length > 0
        ? [{ name: 'Streams', description: 'Kafka records delivered over HTTP' }]
        : []),
      ...(replies.length > 0
        ? [{ name: 'Requests', description: 'The replies to request-reply routes' }]
        : []),
      ...(views.length > 0
        ? [{ name: 'Views', description: 'Compacted topics read as resources, by key' }]
        : []),
    ],
    paths,
    components: {
      schemas: components.schemas,
      responses: problemResponseComponents(),
      securitySchemes,
    },
  }
}

function asyncLine(streams: boolean, replies: boolean): string {
  const what = [streams ? 'its streams' : '', replies ? 'its reply push' : '']
    .filter((w) => w !== '')
    .join(' and ')
  return what === ''
    ? ''
    : `The WebSocket and Server-Sent Events messages of ${what} are described in /asyncapi.json.`
}
