// A configured stream compiled once: which topics a connection may read, how their names map into
// the virtual cluster's namespace, and how a consumed record becomes what the stream delivers
// (transformed by the engine's transform policies as on every read door, formatted, then
// filtered by the stream's own filters). Rendering is shared by every subscriber of the stream: the hub hands
// the same consumed record to each of them, and the first one to ask renders it for all; where a
// fetch-side mask applies to a subscriber's principal, it is rendered once per such principal.
import type { StreamConfig, VirtualClusterConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { compileGlobs } from '../core/glob.ts'
import type { ConsumedRecord } from '../kafka/consumer/types.ts'
import { backendTopicOf, clientTopicOf, namespaceOf } from '../namespace/index.ts'
import { compileFilters, type RecordFilter } from '../policy/filter/filters.ts'
import { readConsumed, type ReadTransforms } from '../policy/transform/index.ts'
import { maskConsumed, type RecordEdits } from '../policy/mask/index.ts'
import type { Principal } from '../core/principal.ts'
import { formatRecord, type RecordDeserializer, type StreamRecord } from './record.ts'

export type StreamProtocol = StreamConfig['protocols'][number]

/** A rendered record, or null when the stream's filters drop it. */
export type Rendered = StreamRecord | null

export interface StreamEndpoint {
  /** The stream's name (its path when unnamed): for logs, metrics and group ids. */
  name: string
  config: StreamConfig
  virtualCluster: VirtualClusterConfig
  /** hono's path syntax (`:param`). */
  honoPath: string
  serves(protocol: StreamProtocol): boolean
  /**
   * The topics (client names) one connection reads: the path parameter's topic, or the
   * configured ones, or the subset of them the client asked for.
   */
  topicsFor(params: Readonly<Record<string, string>>, requested?: readonly string[]): string[]
  /** The backend's name of a topic the client named. */
  backendTopic(clientTopic: string): string
  /** The client's name of a backend topic this stream reads. */
  clientTopic(backend: string): string
  /**
   * Renders a consumed record once for every subscriber of this stream (once per principal
   * whose reads a mask policy masks).
   */
  render(record: ConsumedRecord, principal: Principal): Rendered | Promise<Rendered>
}

export interface EndpointDeps {
  schemas: RecordDeserializer
  /** The policy engine's read transforms and masks (asked per record: a reload applies at once). */
  policies: ReadTransforms & RecordEdits
  /** Framed-looking bytes the registry could not decode (sent on as base64). */
  onDecodeError?: (stream: string, part: 'key' | 'value', error: unknown) => void
}

const toHonoPath = (path: string) => path.replace(/\{([^}/]+)\}/g, ':$1')

export function streamEndpoint(
  config: StreamConfig,
  virtualCluster: VirtualClusterConfig,
  deps: EndpointDeps
): StreamEndpoint {
  const name = config.name ?? config.path
  const protocols = new Set(config.protocols)
  const filter: RecordFilter = compileFilters(config.filters)
  const namespace = namespaceOf(virtualCluster)
  const toBackend = (topic: string): string => backendTopicOf(namespace, topic)
  const clientTopic = (backend: string): string => clientTopicOf(namespace, backend)
  const select = topicSelector(config, name)
  // A topic the namespace hides is refused like one the stream does not serve: while the door
  // admits the client (before a WebSocket upgrade), not once the session opens.
  const topicsFor: StreamEndpoint['topicsFor'] = (params, requested) => {
    const topics = select(params, requested)
    for (const topic of topics) toBackend(topic)
    return topics
  }
  const format = {
    key: config.format.key,
    value: config.format.value,
    registry: virtualCluster.schemaRegistry,
    onDecodeError: deps.onDecodeError
      ? (part: 'key' | 'value', error: unknown) => deps.onDecodeError?.(name, part, error)
      : undefined,
  }
  const rendered = new WeakMap<ConsumedRecord, Rendered | Promise<Rendered>>()
  /** Renderings for principals a mask applies to, by principal name. */
  const masked = new WeakMap<ConsumedRecord, Map<string, Rendered | Promise<Rendered>>>()
  const keep = (record: StreamRecord): Rendered => (filter(record) ? record : null)
  const cached = (
    consumed: ConsumedRecord,
    principal: string | undefined,
    result: Rendered | Promise<Rendered>
  ) => {
    if (principal === undefined) rendered.set(consumed, result)
    else {
      let byPrincipal = masked.get(consumed)
      if (byPrincipal === undefined) masked.set(consumed, (byPrincipal = new Map()))
      byPrincipal.set(principal, result)
    }
    return result
  }
  const renderAs = (
    consumed: ConsumedRecord,
    topic: string,
    record: ConsumedRecord,
    principal: string | undefined
  ): Rendered | Promise<Rendered> => {
    const formatted = formatRecord(record, { ...format, clientTopic: topic }, deps.schemas)
    if (!(formatted instanceof Promise)) return cached(consumed, principal, keep(formatted))
    const pending = formatted.then((value) => cached(consumed, principal, keep(value)))
    return cached(consumed, principal, pending)
  }

  return {
    name,
    config,
    virtualCluster,
    honoPath: toHonoPath(config.path),
    serves: (protocol) => protocols.has(protocol),
    topicsFor,
    backendTopic: toBackend,
    clientTopic,
    render(consumed, principal) {
      const topic = clientTopic(consumed.topic)
      const name = virtualCluster.name
      const mask = deps.policies.recordEditsFor(name, topic, principal, 'fetch', config.policies)
      const who = mask === undefined ? undefined : principal.name
      const found = who === undefined ? rendered.get(consumed) : masked.get(consumed)?.get(who)
      if (found !== undefined) return found
      const transform = deps.policies.readTransform(name, topic, config.policies)
      const record = transform === undefined ? consumed : readConsumed(transform, consumed, topic)
      if (record === null) return cached(consumed, who, null)
      if (mask === undefined) return renderAs(consumed, topic, record, who)
      const shown = maskConsumed(mask, record, topic)
      if (!(shown instanceof Promise)) return renderAs(consumed, topic, shown, who)
      return cached(
        consumed,
        who,
        shown.then((m) => renderAs(consumed, topic, m, who))
      )
    },
  }
}

function topicSelector(config: StreamConfig, name: string): StreamEndpoint['topicsFor'] {
  const selector = config.topics
  if (Array.isArray(selector)) {
    const configured = [...new Set(selector)]
    return (_params, requested) => {
      if (requested === undefined || requested.length === 0) return configured
      const unknown = requested.filter((topic) => !configured.includes(topic))
      if (unknown.length > 0) {
        throw new GatewayError(
          'not-found',
          `stream "${name}" does not serve topic${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `"${t}"`).join(', ')}; it serves ${configured.map((t) => `"${t}"`).join(', ')}`
        )
      }
      return [...new Set(requested)]
    }
  }
  const allowed = compileGlobs(selector.allowed)
  return (params, requested) => {
    const topic = params[selector.name]
    if (topic === undefined || topic === '') {
      throw new GatewayError(
        'bad-request',
        `the topic path parameter "${selector.name}" is missing`
      )
    }
    if (!allowed(topic)) {
      throw new GatewayError('not-found', `topic "${topic}" is not available on stream "${name}"`)
    }
    if (requested !== undefined && requested.some((t) => t !== topic)) {
      throw new GatewayError('bad-request', `this stream connection serves topic "${topic}" only`)
    }
    return [topic]
  }
}
