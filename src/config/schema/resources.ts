// Kafka-backed HTTP resources: request-reply over a pair of topics (a produce route's `reply`, and
// the listener's `requests` endpoint where replies are fetched), and views of compacted topics.
import { z } from 'zod'
import { Millis, Name } from './common.ts'

const MiB = 1024 * 1024

/** A produce route's reply topic: the route becomes a request-reply route. */
export const ReplySettings = z
  .object({
    /** Where the replying service writes its replies (as the route's virtual cluster names it). */
    topic: z.string().min(1),
    /**
     * How long the request waits for its reply before answering 202 Accepted with a `Location`
     * to fetch it from (a client's `Prefer: wait=N` may ask for less, never more).
     */
    timeoutMs: Millis.default(10_000),
    /**
     * How long a reply stays readable, counted from the request. Every node reads the reply topic
     * back this far when it starts, so the topic's own retention.ms must be at least this long.
     */
    retentionMs: z.number().int().min(1000).default(600_000),
    /** Replies held in memory per node; the oldest go first past either bound. */
    maxEntries: z.number().int().positive().default(10_000),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MiB),
  })
  .strict()

/** Where replies are fetched (`GET {path}/{id}`) and pushed (SSE or WebSocket on `{path}`). */
export const RequestsEndpoint = z
  .object({
    path: z
      .string()
      .regex(/^\/[^\s?#{}]*[^/\s?#{}]$/, 'a path starting with /, without a trailing /')
      .default('/requests'),
    /**
     * Signs request ids (HMAC-SHA256), so that any node can tell a real id and its owner from the
     * id alone. Every node serving these routes needs the same secret; use ${ENV} for it.
     */
    secret: z.string().min(32, 'at least 32 characters (a random, shared secret)'),
    /** The longest `Prefer: wait=N` a fetch may hold the connection for. */
    maxWaitMs: Millis.default(30_000),
    /**
     * How long a fetch of a reply this node does not hold may wait for the node to read the reply
     * topic up to its end offsets at the time of the fetch (a longer `Prefer: wait` waits longer).
     */
    catchUpMs: Millis.default(5000),
    /** Comment (SSE) or ping (WebSocket) interval on reply push connections. */
    heartbeatMs: Millis.default(15_000),
  })
  .strict()

/** A compacted topic served as a resource: the latest value per key, from memory. */
export const View = z
  .object({
    name: Name,
    /** Default `/views/{name}`; `GET {path}` lists keys, `GET {path}/{key}` reads one. */
    path: z
      .string()
      .regex(/^\/[^\s?#{}]*[^/\s?#{}]$/, 'a path starting with /, without a trailing /')
      .optional(),
    virtualCluster: Name,
    topic: z.string().min(1),
    /** Bounds of the in-memory table (keys, and key + value + header bytes). */
    maxKeys: z.number().int().positive().default(100_000),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MiB),
    format: z
      .object({
        /** `auto`: schema-decoded when framed, JSON text when it parses, else the UTF-8 text. */
        key: z.enum(['auto', 'text', 'base64']).default('auto'),
        /** `auto`: schema-decoded when framed, else JSON when it parses, else text or bytes. */
        value: z.enum(['auto', 'json', 'text', 'base64']).default('auto'),
      })
      .strict()
      .default({ key: 'auto', value: 'auto' }),
    /** The longest `Prefer: wait=N` a read may hold the connection for. */
    maxWaitMs: Millis.default(30_000),
    /**
     * How long a read may wait for this node to read the topic up to its end offsets at the time
     * of the read (a longer `Prefer: wait` waits longer); past it the read answers 503.
     */
    catchUpMs: Millis.default(5000),
    /** Keys per page of a listing (a client's `?limit=` may ask for up to 1000). */
    pageSize: z.number().int().min(1).max(1000).default(100),
    /** Policies (by name) applied to reads of this view after the virtual cluster's own. */
    policies: z.array(Name).default([]),
  })
  .strict()

interface ListenerResources {
  routes: readonly { name?: string; path: string; reply?: unknown }[]
  requests?: { path: string }
  views: readonly { name: string; path?: string }[]
}

/** Checks across an http listener's reply routes and views that their schemas cannot express. */
export function checkResources(listener: ListenerResources, ctx: z.RefinementCtx): void {
  listener.routes.forEach((route, i) => {
    if (route.reply === undefined || listener.requests !== undefined) return
    ctx.addIssue({
      code: 'custom',
      path: ['routes', i, 'reply'],
      message:
        'a route with `reply` needs the listener `requests` block (where replies are fetched, and the secret that signs request ids)',
    })
  })
  const names = new Set<string>()
  const paths = new Map<string, string>()
  listener.views.forEach((view, i) => {
    if (names.has(view.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['views', i, 'name'],
        message: `duplicate view name "${view.name}"`,
      })
      return
    }
    names.add(view.name)
    const path = view.path ?? `/views/${view.name}`
    const other = paths.get(path)
    if (other !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['views', i, 'path'],
        message: `views "${other}" and "${view.name}" are both served at ${path}`,
      })
    }
    paths.set(path, view.name)
    if (listener.requests !== undefined && path === listener.requests.path) {
      ctx.addIssue({
        code: 'custom',
        path: ['views', i, 'path'],
        message: `${path} is where this listener's replies are fetched (requests.path)`,
      })
    }
  })
}
