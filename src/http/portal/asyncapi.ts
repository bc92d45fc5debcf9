// The AsyncAPI 3 document of one http listener's streams: a channel per stream and protocol
// (WebSocket with its `ws` binding, Server-Sent Events over `http`), the messages each carries
// (records with the topics' value schema where the stream delivers it decoded), and operations
// from Weir's side: it sends records and receives weir.v1 commands. With request-reply routes,
// the replies pushed on `{requests.path}` over both protocols too.
import {
  REPLY_PUSH_DESCRIPTION,
  SSE_DESCRIPTION,
  WEBSOCKET_DESCRIPTION,
  replyPushMessages,
  sharedMessages,
  sseRecordMessages,
  wsRecordMessage,
} from './asyncapi-messages.ts'
import { SchemaComponents } from './components.ts'
import { pathSlug, uniqueName } from './json-schema.ts'
import type { DocumentInput } from './openapi.ts'
import { problemSchema } from './problem-examples.ts'
import { replyBodySchema, replyModels } from './resource-model.ts'
import { asyncApiScheme, mergeSecurity, securityOf, type Security } from './security.ts'
import { gapSchema, pushedReplySchema } from './shapes.ts'
import { streamModel, type StreamModel } from './stream-model.ts'
import { describeTopics, exampleTopic } from './topics.ts'

export interface AsyncApiInput extends Omit<DocumentInput, 'serverUrl'> {
  /** `host[:port]` clients connect to. */
  host: string
  tls: boolean
}

export function asyncApiDocument(input: AsyncApiInput): Record<string, unknown> {
  const { listener, config } = input
  const components = new SchemaComponents()
  components.shared('Problem', () => problemSchema)
  components.shared('StreamGap', () => gapSchema)
  const vcs = new Map(config.virtualClusters.map((vc) => [vc.name, vc]))
  const securitySchemes: Record<string, unknown> = {}
  const channels: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  const ids = new Set<string>()
  const streams = (p: string) => listener.streams.some((s) => s.protocols.includes(p as never))
  const refsOf = (security: Security) => {
    for (const [name, scheme] of security.schemes) securitySchemes[name] ??= asyncApiScheme(scheme)
    return security.alternatives.map((name) => ({ $ref: `#/components/securitySchemes/${name}` }))
  }

  const clientCerts = listener.tls?.clientCaFile !== undefined
  for (const stream of listener.streams) {
    const model = streamModel(stream, components, input.schemas)
    const securityRefs = refsOf(securityOf(vcs.get(stream.virtualCluster), 'stream', clientCerts))
    const base = model.config.name ?? pathSlug(model.config.path)
    if (stream.protocols.includes('websocket')) {
      const id = uniqueName(ids, `${base}-websocket`)
      channels[id] = {
        ...channelCommon(model, 'websocket'),
        description: `${model.summary}. ${WEBSOCKET_DESCRIPTION}`,
        messages: {
          welcome: { $ref: '#/components/messages/wsWelcome' },
          record: wsRecordMessage(model.record),
          gap: { $ref: '#/components/messages/wsGap' },
          subscribed: { $ref: '#/components/messages/wsSubscribed' },
          unsubscribed: { $ref: '#/components/messages/wsUnsubscribed' },
          error: { $ref: '#/components/messages/wsError' },
          subscribe: { $ref: '#/components/messages/wsSubscribe' },
          unsubscribe: { $ref: '#/components/messages/wsUnsubscribe' },
          ack: { $ref: '#/components/messages/wsAck' },
        },
        bindings: { ws: { method: 'GET', query: queryBinding(model), bindingVersion: '0.1.0' } },
      }
      const channel = { $ref: `#/channels/${id}` }
      const refs = (names: string[]) =>
        names.map((m) => ({ $ref: `#/channels/${id}/messages/${m}` }))
      operations[`${id}-send`] = {
        action: 'send',
        channel,
        summary: `Weir sends the records of ${model.name}, and notices`,
        messages: refs(['welcome', 'record', 'gap', 'subscribed', 'unsubscribed', 'error']),
        ...(securityRefs.length > 0 ? { security: securityRefs } : {}),
      }
      operations[`${id}-receive`] = {
        action: 'receive',
        channel,
        summary: 'Weir takes subscribe, unsubscribe and ack frames',
        messages: refs(['subscribe', 'unsubscribe', 'ack']),
      }
    }
    if (stream.protocols.includes('sse')) {
      const id = uniqueName(ids, `${base}-sse`)
      channels[id] = {
        ...channelCommon(model, 'sse'),
        description: `${model.summary}. ${SSE_DESCRIPTION}`,
        messages: {
          ready: { $ref: '#/components/messages/sseReady' },
          ...sseRecordMessages(model.record),
          gap: { $ref: '#/components/messages/sseGap' },
          end: { $ref: '#/components/messages/sseEnd' },
          problem: { $ref: '#/components/messages/sseProblem' },
        },
      }
      operations[`${id}-send`] = {
        action: 'send',
        channel: { $ref: `#/channels/${id}` },
        summary: `Weir sends the records of ${model.name} as Server-Sent Events`,
        messages: ['ready', 'record', 'tombstone', 'gap', 'end', 'problem'].map((m) => ({
          $ref: `#/channels/${id}/messages/${m}`,
        })),
        bindings: { http: { method: 'GET', bindingVersion: '0.3.0' } },
        ...(securityRefs.length > 0 ? { security: securityRefs } : {}),
      }
    }
  }

  const replies = replyModels(listener, components, input.schemas)
  const requests = listener.requests
  if (requests !== undefined && replies.length > 0) {
    const reply = components.add('PushedReply', pushedReplySchema(replyBodySchema(replies)))
    const messages = replyPushMessages(reply)
    const vcNames = [...new Set(replies.map((r) => r.virtualCluster))]
    const securityRefs = refsOf(
      mergeSecurity(vcNames.map((vc) => securityOf(vcs.get(vc), 'stream', clientCerts)))
    )
    const security = securityRefs.length > 0 ? { security: securityRefs } : {}
    const common = {
      address: requests.path,
      description: `${REPLY_PUSH_DESCRIPTION} Routes: ${replies.map((r) => `"${r.name}"`).join(', ')}.`,
    }
    const query = {
      type: 'object',
      properties: {
        route: {
          type: 'string',
          enum: replies.map((r) => r.name),
          description:
            'only the replies of this route (needed when routes of several virtual clusters reply here)',
        },
      },
    }
    const ws = uniqueName(ids, 'requests-websocket')
    channels[ws] = {
      ...common,
      title: 'Replies (WebSocket)',
      servers: [{ $ref: '#/servers/websocket' }],
      description: `${common.description} One JSON text message per reply; the client sends nothing, pings keep the connection alive. Refusals answer the upgrade request with problem+json; close code 1001 when the node shuts down.`,
      messages: messages.ws,
      bindings: { ws: { method: 'GET', query, bindingVersion: '0.1.0' } },
    }
    operations[`${ws}-send`] = {
      action: 'send',
      channel: { $ref: `#/channels/${ws}` },
      summary: "Weir sends the principal's replies",
      messages: ['ready', 'reply'].map((m) => ({ $ref: `#/channels/${ws}/messages/${m}` })),
      ...security,
    }
    const sse = uniqueName(ids, 'requests-sse')
    channels[sse] = {
      ...common,
      title: 'Replies (SSE)',
      servers: [{ $ref: '#/servers/sse' }],
      description: `${common.description} Send \`Accept: text/event-stream\`. Events: ready, then a reply event per reply (its id the request id); a \`: heartbeat\` comment every ${requests.heartbeatMs} ms.`,
      messages: messages.sse,
    }
    operations[`${sse}-send`] = {
      action: 'send',
      channel: { $ref: `#/channels/${sse}` },
      summary: "Weir sends the principal's replies as Server-Sent Events",
      messages: ['ready', 'reply'].map((m) => ({ $ref: `#/channels/${sse}/messages/${m}` })),
      bindings: { http: { method: 'GET', bindingVersion: '0.3.0' } },
      ...security,
    }
  }
  const pushes = replies.length > 0

  const servers: Record<string, unknown> = {}
  if (streams('websocket') || pushes) {
    servers.websocket = {
      host: input.host,
      protocol: input.tls ? 'wss' : 'ws',
      description: streams('websocket')
        ? `WebSocket${pushes ? ': streams speak the subprotocol weir.v1, reply push needs none' : ', subprotocol weir.v1'}`
        : 'WebSocket',
    }
  }
  if (streams('sse') || pushes) {
    servers.sse = {
      host: input.host,
      protocol: input.tls ? 'https' : 'http',
      description: 'Server-Sent Events',
    }
  }
  return {
    asyncapi: '3.1.0',
    info: {
      title: `Weir: ${listener.name} streams`,
      version: input.version,
      description: `Kafka records${pushes ? ' and the replies to requests' : ''} delivered by Weir's listener "${listener.name}" over WebSocket and Server-Sent Events, generated from its configuration. Long-poll and the SSE request itself are in /openapi.json.`,
    },
    defaultContentType: 'application/json',
    servers,
    channels,
    operations,
    components: { schemas: components.schemas, messages: sharedMessages(), securitySchemes },
  }
}

function channelCommon(model: StreamModel, server: 'websocket' | 'sse'): Record<string, unknown> {
  const param = model.topics.parameter
  return {
    address: model.config.path,
    title: `${model.name} (${server === 'sse' ? 'SSE' : 'WebSocket'})`,
    servers: [{ $ref: `#/servers/${server}` }],
    ...(param
      ? {
          parameters: {
            [param.name]: {
              description: `the topic: ${describeTopics({ ...model.topics, parameter: undefined })}`,
              ...(model.topics.patterns.length === 0 ? { enum: model.topics.topics } : {}),
              examples: [exampleTopic(model.topics)],
            },
          },
        }
      : {}),
  }
}

function queryBinding(model: StreamModel): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  for (const [name, q] of Object.entries(model.query))
    properties[name] = { ...q.schema, description: q.description }
  return { type: 'object', properties }
}
