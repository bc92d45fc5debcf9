// Shared state (`state:`): where rate-limit buckets, Idempotency-Key records and connection counts
// live when several Weir nodes serve the same clients. Without it every node keeps its own, as documented.
import { z } from 'zod'
import { ClientTls, Millis } from './common.ts'

/** What a policy does while the store cannot be reached: serve from local state, or refuse. */
export const OnUnavailable = z.enum(['fail-open', 'fail-closed'])

const RedisState = z
  .object({
    kind: z.literal('redis'),
    /** `redis://host:port[/db]` (or `rediss://` for TLS); Valkey speaks the same protocol. */
    url: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'redis://host:port or rediss://host:port'),
    /** Prepended to every key Weir writes, so one store can serve several deployments. */
    keyPrefix: z.string().default('weir:'),
    username: z.string().min(1).optional(),
    /** Redacted by the admin API; write it as `${file:/run/secrets/redis}` or `${REDIS_PASSWORD}`. */
    password: z.string().min(1).optional(),
    tls: ClientTls.optional(),
    connectTimeoutMs: Millis.min(1).default(2_000),
    /** The bound of one store call: past it the call counts as the store being unavailable. */
    commandTimeoutMs: Millis.min(1).default(250),
    /**
     * How long a node's connection counts outlive it: a node renews them every third of this, and
     * the connection slots of a node that died come back to the others after at most this long.
     */
    connectionLeaseMs: Millis.min(300).default(15_000),
    /** The default of every rate-limit and connection-limit policy (each may set its own). */
    onUnavailable: OnUnavailable.default('fail-open'),
  })
  .strict()

export const State = z.discriminatedUnion('kind', [RedisState])
