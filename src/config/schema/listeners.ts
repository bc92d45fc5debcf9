// Listeners: where clients connect. An http listener serves the REST and streaming doors; a kafka
// listener speaks the Kafka protocol for one virtual cluster (port mapping) or, with SNI routing,
// for many on one port.
import { z } from 'zod'
import { Cidr, Millis, Name, Port } from './common.ts'
import { Cors } from './cors.ts'
import { checkResources, RequestsEndpoint, View } from './resources.ts'
import { ProduceRoute, TopicsEndpoint } from './routes.ts'
import { Stream } from './streams.ts'

const ServerTls = z
  .object({
    /** The default certificate: for a server name no one in `certificates` matches, or none. */
    certFile: z.string(),
    keyFile: z.string(),
    /** More certificates, each served when the TLS server name matches its DNS names (SANs). */
    certificates: z
      .array(z.object({ certFile: z.string(), keyFile: z.string() }).strict())
      .default([]),
    /** How often the files are read again; changed ones serve new connections (0: never). */
    reloadIntervalMs: Millis.default(30_000),
    /** CA that client certificates must chain to; setting it asks clients for one (mTLS). */
    clientCaFile: z.string().optional(),
    requireClientCert: z.boolean().default(false),
  })
  .strict()

/**
 * PROXY protocol v1/v2 (off unless set): the load balancers in `trustedSources` must start every
 * connection with a header naming the real client, which policies, logs and metrics then see.
 * Others must not send one. Either mistake closes the connection, with a log line.
 */
const ProxyProtocol = z
  .object({
    enabled: z.boolean().default(true),
    trustedSources: z.array(Cidr).min(1),
    /** Longest a connection may take to send its header (or, untrusted, its first bytes). */
    headerTimeoutMs: Millis.default(5_000),
  })
  .strict()

export const HttpListener = z
  .object({
    kind: z.literal('http'),
    name: Name,
    host: z.string().default('127.0.0.1'),
    port: Port,
    tls: ServerTls.optional(),
    proxyProtocol: ProxyProtocol.optional(),
    /** Which web pages on other origins may call this listener (off unless set: see README). */
    cors: Cors.optional(),
    /** Serve /healthz and /readyz here (load balancers usually probe the public port). */
    health: z.boolean().default(true),
    /** Largest request body accepted, in bytes (413 above it). */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /** Time allowed for in-flight requests to finish on shutdown. */
    shutdownGraceMs: Millis.default(10_000),
    routes: z.array(ProduceRoute).default([]),
    topicsEndpoint: TopicsEndpoint.optional(),
    streams: z.array(Stream).default([]),
    /** Where the replies of request-reply routes are fetched; needed when a route has `reply`. */
    requests: RequestsEndpoint.optional(),
    /** Compacted topics served as resources (`GET /views/{name}/{key}`). */
    views: z.array(View).default([]),
    /**
     * A demo page (off unless set): subscribes to this listener's streams over WebSocket or SSE
     * and posts events to its routes, from a browser, with no build step. Stream and produce
     * paths take precedence over it.
     */
    examplePage: z
      .object({
        path: z
          .string()
          .regex(/^\/[^\s?#]*$/, 'a path starting with /, without query or fragment')
          .default('/example'),
      })
      .strict()
      .optional(),
    /**
     * The developer portal (off unless set; `true` takes the defaults): interactive docs of this
     * listener's routes and streams at `path`, and the documents they are made from, generated
     * from the configuration and the registry: OpenAPI 3.1 at /openapi.json and /openapi.yaml,
     * AsyncAPI 3 at /asyncapi.json and /asyncapi.yaml.
     */
    portal: z.preprocess(
      (value) => (value === true ? {} : value === false ? undefined : value),
      z
        .object({
          path: z
            .string()
            .regex(
              /^\/[^\s?#]*[^/\s?#]$/,
              'a path starting with /, without query, fragment or trailing /'
            )
            .default('/portal'),
          /** Longest time the documents show a registry schema without asking the registry again. */
          schemaRefreshMs: Millis.default(30_000),
        })
        .strict()
        .optional()
    ),
  })
  .strict()
  .superRefine((listener, ctx) => {
    // Streams are served ahead of every other GET: one on a portal path would hide it.
    const portal = listener.portal
    if (portal === undefined) return
    const served = [portal.path, `${portal.path}/assets/portal.js`, ...PORTAL_DOCUMENT_PATHS]
    listener.streams.forEach((stream, i) => {
      const hit = served.find((path) => pathTemplateMatches(stream.path, path))
      if (hit === undefined) return
      ctx.addIssue({
        code: 'custom',
        path: ['streams', i, 'path'],
        message: `stream path ${stream.path} takes GET ${hit}, which the portal serves: move the stream or set portal.path`,
      })
    })
    const taken: string[] = [
      ...PORTAL_DOCUMENT_PATHS,
      ...(listener.health ? ['/healthz', '/readyz'] : []),
      ...(listener.examplePage ? [listener.examplePage.path] : []),
    ]
    if (taken.includes(portal.path)) {
      ctx.addIssue({
        code: 'custom',
        path: ['portal', 'path'],
        message: `${portal.path} is served by something else on this listener: choose another portal path`,
      })
    }
  })

/** Where the portal serves its documents, whatever its own path. */
export const PORTAL_DOCUMENT_PATHS = [
  '/openapi.json',
  '/openapi.yaml',
  '/asyncapi.json',
  '/asyncapi.yaml',
] as const

/** Whether a path with `{param}` placeholders (one segment each) matches a concrete path. */
function pathTemplateMatches(template: string, path: string): boolean {
  const source = template
    .split(/\{[^}/]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+')
  return new RegExp(`^${source}$`).test(path)
}

export const KafkaListener = z
  .object({
    kind: z.literal('kafka'),
    name: Name,
    /** The one virtual cluster this listener serves (or `virtualClusters`, with `sni`). */
    virtualCluster: Name.optional(),
    /**
     * With `sni`: every virtual cluster named here, or matching a glob (`tenant-*`, `*`), on one
     * port, told apart by the server name. Virtual clusters added to or removed from this list
     * (or the config, for a glob) join or leave without a restart of the listener.
     */
    virtualClusters: z
      .array(z.string().regex(/^[a-z0-9*?-]{1,63}$/i, 'a DNS label, or a glob of one (* and ?)'))
      .min(1)
      .optional(),
    host: z.string().default('127.0.0.1'),
    /** Bootstrap port; with port mapping, broker N is served on brokerPortBase + N. */
    port: Port,
    /** Default: the bootstrap port + 1. */
    brokerPortBase: Port.optional(),
    /** Host name written into metadata responses (defaults to `host`). */
    advertisedHost: z.string().optional(),
    tls: ServerTls.optional(),
    proxyProtocol: ProxyProtocol.optional(),
    /**
     * SNI routing: every broker on the one port, told apart by the TLS server name (needs
     * `tls`). `per-cluster-suffix`: bootstrap.<vc>.<domain>, broker-<id>.<vc>.<domain>;
     * `shared-suffix`: bootstrap-<vc>.<domain>, broker-<id>-<vc>.<domain> (one wildcard
     * certificate, *.<domain>, serves every virtual cluster).
     */
    sni: z
      .object({
        domain: z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, 'a DNS domain'),
        hostFormat: z.enum(['per-cluster-suffix', 'shared-suffix']).default('per-cluster-suffix'),
        /** The port clients are told (a load balancer's, say); default: `port`. */
        advertisedPort: Port.optional(),
      })
      .strict()
      .optional(),
    /** Largest request a client may send (Kafka's socket.request.max.bytes), in bytes. */
    maxFrameBytes: z
      .number()
      .int()
      .positive()
      .default(100 * 1024 * 1024),
    /**
     * Longest a request may wait for the broker's answer before the connection is closed. Above
     * the longest consumer group rebalance timeout (JoinGroup waits that long), 5 minutes.
     */
    requestTimeoutMs: Millis.default(330_000),
    /** Client connections with no traffic for this long are closed (Kafka's connections.max.idle.ms). */
    idleTimeoutMs: Millis.default(600_000),
    /**
     * Until a client has authenticated (see README, "Before authentication"): the largest frame
     * it may send (Kafka's sasl.server.max.receive.size), the bytes all such connections of this
     * listener may hold together, and how long it may take to authenticate.
     */
    maxPreAuthFrameBytes: z
      .number()
      .int()
      .positive()
      .default(512 * 1024),
    maxPreAuthBufferedBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    authenticationTimeoutMs: z.number().int().positive().default(30_000),
    /**
     * Client connections older than this (± 10 % jitter, so they do not all go at once) are
     * closed when no request is in flight, and clients reconnect: after a scale-out they spread
     * over the new nodes. Off unless set.
     */
    maxConnectionAgeMs: z.number().int().positive().optional(),
  })
  .strict()

export const Listener = z.discriminatedUnion('kind', [
  HttpListener.superRefine(checkResources),
  KafkaListener.superRefine((l, ctx) => {
    if ((l.virtualCluster === undefined) === (l.virtualClusters === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['virtualCluster'],
        message:
          'name the virtual cluster this listener serves: virtualCluster, or virtualClusters with sni',
      })
    }
    if (l.virtualClusters !== undefined && l.sni === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['virtualClusters'],
        message:
          'several virtual clusters on one listener need sni (the server name tells them apart); with port mapping use one listener per virtual cluster',
      })
    }
    if (l.sni !== undefined && l.tls === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sni'],
        message: 'SNI routing needs tls (the server name comes from the TLS handshake)',
      })
    }
    if (l.sni !== undefined && l.virtualCluster !== undefined && !isDnsLabel(l.virtualCluster)) {
      ctx.addIssue({
        code: 'custom',
        path: ['virtualCluster'],
        message: 'with SNI routing the virtual cluster name is part of host names: use a DNS label',
      })
    }
  }),
])

/** A name that can stand as one label of a host name. */
export function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(name)
}
