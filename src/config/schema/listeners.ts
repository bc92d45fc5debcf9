// Listeners: where clients connect. An http listener serves the REST and streaming doors; a kafka
// listener speaks the Kafka protocol for one virtual cluster.
import { z } from 'zod'
import { Millis, Name, Port } from './common.ts'
import { ProduceRoute, TopicsEndpoint } from './routes.ts'
import { Stream } from './streams.ts'

const ServerTls = z
  .object({
    certFile: z.string(),
    keyFile: z.string(),
    /** CA that client certificates must chain to; setting it asks clients for one (mTLS). */
    clientCaFile: z.string().optional(),
    requireClientCert: z.boolean().default(false),
  })
  .strict()

export const HttpListener = z
  .object({
    kind: z.literal('http'),
    name: Name,
    host: z.string().default('127.0.0.1'),
    port: Port,
    tls: ServerTls.optional(),
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
  })
  .strict()

export const KafkaListener = z
  .object({
    kind: z.literal('kafka'),
    name: Name,
    virtualCluster: Name,
    host: z.string().default('127.0.0.1'),
    /** Bootstrap port; with port mapping, broker N is served on brokerPortBase + N. */
    port: Port,
    /** Default: the bootstrap port + 1. */
    brokerPortBase: Port.optional(),
    /** Host name written into metadata responses (defaults to `host`). */
    advertisedHost: z.string().optional(),
    tls: ServerTls.optional(),
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
  })
  .strict()

export const Listener = z.discriminatedUnion('kind', [
  HttpListener,
  KafkaListener.refine((l) => l.sni === undefined || l.tls !== undefined, {
    message: 'SNI routing needs tls (the server name comes from the TLS handshake)',
    path: ['sni'],
  }).refine(
    (l) => l.sni === undefined || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(l.virtualCluster),
    {
      message: 'with SNI routing the virtual cluster name is part of host names: use a DNS label',
      path: ['virtualCluster'],
    }
  ),
])
