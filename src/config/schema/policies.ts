// Policies: typed, ordered rules that every door evaluates the same way. Attached to a virtual
// cluster by name (and, in later increments, narrowed to a route, stream or topic).
import { z } from 'zod'
import { Name } from './common.ts'

const Operation = z.enum(['produce', 'consume', 'describe'])

const AclRule = z
  .object({
    effect: z.enum(['allow', 'deny']).default('allow'),
    /** Principal patterns: exact names, globs (`team-*`), `*`, or `role:NAME`. */
    principals: z.array(z.string().min(1)).min(1),
    resource: z.enum(['topic', 'group']).default('topic'),
    /** Resource name patterns (globs), as clients see the names. */
    names: z.array(z.string().min(1)).min(1),
    operations: z.array(Operation).min(1),
  })
  .strict()

export const AclPolicy = z
  .object({
    name: Name,
    kind: z.literal('acl'),
    rules: z.array(AclRule).min(1),
  })
  .strict()

export const RateLimitPolicy = z
  .object({
    name: Name,
    kind: z.literal('rate-limit'),
    /** Whose bucket a request draws from. */
    per: z.enum(['principal', 'route', 'virtual-cluster']).default('principal'),
    requestsPerSecond: z.number().positive().optional(),
    bytesPerSecond: z.number().positive().optional(),
    /** Bucket size, as seconds of the rate (1 = one second's worth may arrive at once). */
    burstSeconds: z.number().positive().default(1),
  })
  .strict()
  .refine((p) => p.requestsPerSecond !== undefined || p.bytesPerSecond !== undefined, {
    message: 'set requestsPerSecond, bytesPerSecond, or both',
    path: ['requestsPerSecond'],
  })

export const Policy = z.discriminatedUnion('kind', [AclPolicy, RateLimitPolicy])
