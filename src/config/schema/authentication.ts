// How clients prove who they are. Methods hang on a virtual cluster and are tried in order; the
// first one whose credentials are present decides. Secrets are stored hashed, never in clear.
import { z } from 'zod'

const Roles = z.array(z.string().min(1)).default([])

export const ApiKeyAuth = z
  .object({
    kind: z.literal('api-key'),
    /** Header that carries the key; `Authorization: ApiKey <key>` is accepted too. */
    header: z.string().default('x-api-key'),
    keys: z
      .array(
        z
          .object({
            principal: z.string().min(1),
            /** SHA-256 of the key, hex (`weir hash-secret --api-key` prints it). */
            sha256: z.string().regex(/^[0-9a-f]{64}$/i, '64 hex digits'),
            roles: Roles,
          })
          .strict()
      )
      .min(1),
  })
  .strict()

export const JwtAuth = z
  .object({
    kind: z.literal('jwt'),
    issuer: z.string().optional(),
    audiences: z.array(z.string()).default([]),
    /** Keys from a JWKS endpoint (cached, refreshed on unknown `kid`)... */
    jwksUrl: z.url().optional(),
    /** ...or static public keys: PEM (SPKI) text, or JWK objects. */
    keys: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).default([]),
    algorithms: z.array(z.string()).default(['RS256', 'ES256', 'EdDSA']),
    principalClaim: z.string().default('sub'),
    /** Claim holding roles: an array, or a space-separated string such as `scope`. */
    rolesClaim: z.string().default('roles'),
    clockToleranceSeconds: z.number().int().min(0).default(30),
  })
  .strict()
  .refine((jwt) => jwt.jwksUrl !== undefined || jwt.keys.length > 0, {
    message: 'set jwksUrl or keys',
    path: ['jwksUrl'],
  })

export const BasicAuth = z
  .object({
    kind: z.literal('basic'),
    users: z
      .array(
        z
          .object({
            username: z.string().min(1),
            /** `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` (`weir hash-secret` prints it). */
            passwordHash: z
              .string()
              .regex(/^scrypt\$\d+\$\d+\$\d+\$[^$]+\$[^$]+$/, 'a scrypt hash'),
            roles: Roles,
          })
          .strict()
      )
      .min(1),
  })
  .strict()

/** Standard base64 (with padding), as SCRAM salts and keys are written. */
const Base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'base64')
  .refine((text) => text.length > 0, 'base64, not empty')

/** Bytes of a SCRAM StoredKey or ServerKey: the output size of the mechanism's hash. */
const scramKeyBytes = { 'scram-sha-256': 32, 'scram-sha-512': 64 } as const

/**
 * SASL SCRAM users for the Kafka listener (RFC 5802/7677), who log in over HTTP with Basic too.
 * Only the derived keys are stored, as Kafka's brokers store them: a leaked config does not give
 * the password to log in elsewhere. A user may have one entry per mechanism.
 */
export const ScramAuth = z
  .object({
    kind: z.literal('scram'),
    users: z
      .array(
        z
          .object({
            username: z.string().min(1),
            mechanism: z.enum(['scram-sha-256', 'scram-sha-512']),
            salt: Base64,
            /** Kafka's clients refuse fewer than 4096 iterations. */
            iterations: z.number().int().min(4096),
            storedKey: Base64,
            serverKey: Base64,
            roles: Roles,
          })
          .strict()
          .superRefine((user, ctx) => {
            // `weir hash-secret --scram-sha-256|--scram-sha-512` prints these entries.
            const bytes = scramKeyBytes[user.mechanism]
            for (const key of ['storedKey', 'serverKey'] as const) {
              if (Buffer.from(user[key], 'base64').length !== bytes) {
                ctx.addIssue({
                  code: 'custom',
                  message: `${user.mechanism} keys are ${bytes} bytes`,
                  path: [key],
                })
              }
            }
          })
      )
      .min(1)
      .superRefine((users, ctx) => {
        const seen = new Set<string>()
        users.forEach((user, index) => {
          const key = `${user.mechanism}\u0000${user.username}`
          if (seen.has(key)) {
            ctx.addIssue({
              code: 'custom',
              message: `${user.username} already has a ${user.mechanism} entry`,
              path: [index, 'username'],
            })
          }
          seen.add(key)
        })
      }),
  })
  .strict()

/**
 * A client certificate verified by the listener's TLS (`clientCaFile`) names the principal: its
 * CN, or its whole subject. On the Kafka listener such a client needs no SASL.
 */
export const MtlsAuth = z
  .object({
    kind: z.literal('mtls'),
    principal: z.enum(['cn', 'subject']).default('cn'),
    roles: Roles,
  })
  .strict()

/** Lets requests without credentials through as the principal `anonymous`. */
export const AnonymousAuth = z.object({ kind: z.literal('anonymous'), roles: Roles }).strict()

export const AuthMethod = z.discriminatedUnion('kind', [
  ApiKeyAuth,
  JwtAuth,
  BasicAuth,
  ScramAuth,
  MtlsAuth,
  AnonymousAuth,
])
