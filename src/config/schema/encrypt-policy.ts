// Encryption policies (`kind: encrypt`): record values (whole, or fields chosen by JSON pointer or
// registry schema tag), and optionally keys and headers, sealed with AES-256-GCM under data keys
// wrapped by a KEK of a `kms:` entry, on every door that writes. Principals the ACL allows the
// `decrypt` operation on the topic read them clear on every door that reads; others read the
// ciphertext (then any mask that applies to them).
import { z } from 'zod'
import { Millis, Name } from './common.ts'

const JsonPointer = z.string().regex(/^\//, 'a JSON pointer such as /customer/email')

const EncryptFields = z
  .object({
    pointers: z.array(JsonPointer).optional(),
    /** Schema tags (`"confluent:tags": ["PII"]` in the registry schema); follow schema evolution. */
    tags: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((f) => (f.pointers?.length ?? 0) + (f.tags?.length ?? 0) > 0, {
    message: 'set pointers, tags, or both',
    path: ['pointers'],
  })

export const EncryptPolicy = z
  .object({
    name: Name,
    kind: z.literal('encrypt'),
    /** Topic name globs, as clients see them. */
    topics: z.array(z.string().min(1)).default(['*']),
    /** The `kms:` entry holding the key-encryption key, by name. */
    kms: Name,
    kekId: z.string().min(1),
    /** `value`: the whole value (bytes, whatever the format). `fields`: only those fields. */
    value: z.literal(true).optional(),
    fields: EncryptFields.optional(),
    /** The record key too (whole); a keyed topic's partitioning still follows the ciphertext. */
    key: z.boolean().default(false),
    /** Header values by name. */
    headers: z.array(z.string().min(1)).default([]),
    /** Encryptions per data key: at most 2^32 (NIST SP 800-38D for random IVs). */
    maxEncryptionsPerDek: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32)
      .default(2 ** 24),
    /** A data key's age at which a new one is generated. */
    maxDekAgeMs: Millis.min(1).default(60 * 60_000),
  })
  .strict()
  .refine((p) => !(p.value === true && p.fields !== undefined), {
    message: 'set value: true (the whole value) or fields, not both',
    path: ['fields'],
  })
  .refine((p) => p.value === true || p.fields !== undefined || p.key || p.headers.length > 0, {
    message: 'set what to encrypt: value: true, fields, key or headers',
    path: ['value'],
  })

export type EncryptPolicyConfig = z.output<typeof EncryptPolicy>
