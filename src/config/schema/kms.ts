// Key management services (`kms:`): where the key-encryption keys of encrypt policies live. Each
// is named; an encrypt policy names one (`kms: <name>`) and a key in it (`kekId`).
import { z } from 'zod'
import { Millis, Name } from './common.ts'

/** A local keyring file of named KEKs, for development and tests (see README). */
const KeyringKms = z
  .object({
    name: Name,
    kind: z.literal('keyring'),
    /** YAML or JSON: `keys: { <kekId>: <32 random bytes, base64> }`; read again at every call. */
    file: z.string().min(1),
  })
  .strict()

/** AWS KMS, or a KMS-compatible server at `endpoint`. */
const AwsKms = z
  .object({
    name: Name,
    kind: z.literal('aws'),
    region: z.string().min(1),
    /** A KMS-compatible server (LocalStack, moto) instead of AWS's regional endpoint. */
    endpoint: z.url().optional(),
    /** Static credentials; without them, the AWS SDK's default chain (env, profile, IMDS, IRSA). */
    credentials: z
      .object({
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(1),
        sessionToken: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** The bound of one KMS call, retries included; a produce needing a data key waits no more. */
    requestTimeoutMs: Millis.min(1).default(5_000),
    /** Attempts per call (the SDK retries throttling and server errors with backoff). */
    maxAttempts: z.number().int().min(1).max(10).default(3),
  })
  .strict()

export const Kms = z.discriminatedUnion('kind', [KeyringKms, AwsKms])

/**
 * The data keys (DEKs) a node holds unwrapped, so records are read without a KMS call each. After
 * `ttlMs` a key is confirmed with the KMS again: a deleted KEK stops decrypting on a running node
 * within that time (crypto-shredding). While the KMS is down, a key keeps serving for
 * `staleIfUnavailableMs` past that, asked again at most once a `recheckMs`.
 */
export const DataKeys = z
  .object({
    ttlMs: Millis.min(1).default(5 * 60_000),
    staleIfUnavailableMs: Millis.default(60 * 60_000),
    recheckMs: Millis.min(1).default(1_000),
    maxEntries: z.number().int().min(1).default(1_000),
  })
  .strict()
