// Masking policies (`kind: mask`): fields of record values, chosen by JSON pointer or schema tag,
// replaced by a masked form on matching topics, for the principals it applies to. `produce`
// stores them masked (no reader ever sees the clear value); `fetch` stores them clear and shows
// them masked. Only string and bytes fields are masked: a pointer to any other type is refused
// and a tagged one reported, as for encryption (src/policy/fields).
import { z } from 'zod'
import { Name } from './common.ts'

const JsonPointer = z.string().regex(/^\//, 'a JSON pointer such as /customer/email')
const MaskChar = z.string().length(1, 'one character').default('*')

const Strategy = z.discriminatedUnion('kind', [
  /** The whole value becomes `with`. */
  z.object({ kind: z.literal('replace'), with: z.string().default('***') }).strict(),
  /** The first (or last) `characters` characters stay; every other becomes maskChar. */
  z
    .object({
      kind: z.literal('keep-first'),
      characters: z.number().int().nonnegative(),
      maskChar: MaskChar,
    })
    .strict(),
  z
    .object({
      kind: z.literal('keep-last'),
      characters: z.number().int().nonnegative(),
      maskChar: MaskChar,
    })
    .strict(),
  /** `jane@example.com` becomes `j***@example.com`: the domain stays, for routing and stats. */
  z.object({ kind: z.literal('email'), maskChar: MaskChar }).strict(),
  /**
   * HMAC-SHA256 under `salt`: the same value always masks the same way (joins and counts still
   * work), and without the salt no one can test guesses against it. Keep the salt secret
   * (`${file:...}`); changing it changes every masked value.
   */
  z
    .object({
      kind: z.literal('hash'),
      salt: z.string().min(16, 'at least 16 characters, so guesses cannot be tested offline'),
      encoding: z.enum(['hex', 'base64url']).default('hex'),
    })
    .strict(),
])

/** `strategy: email` is short for `strategy: { kind: email }`. */
export const MaskStrategy = z.preprocess((v) => (typeof v === 'string' ? { kind: v } : v), Strategy)

const MaskFields = z
  .object({
    pointers: z.array(JsonPointer).optional(),
    /** Schema tags (`"confluent:tags": ["PII"]` in the registry schema); follow schema evolution. */
    tags: z.array(z.string().min(1)).optional(),
    strategy: MaskStrategy.default({ kind: 'replace', with: '***' }),
  })
  .strict()
  .refine((f) => (f.pointers?.length ?? 0) + (f.tags?.length ?? 0) > 0, {
    message: 'set pointers, tags, or both',
    path: ['pointers'],
  })

export const MaskPolicy = z
  .object({
    name: Name,
    kind: z.literal('mask'),
    /** Topic name globs, as clients see them. */
    topics: z.array(z.string().min(1)).default(['*']),
    /** `produce`: stored masked, for every reader. `fetch`: stored clear, shown masked. */
    side: z.enum(['produce', 'fetch']).default('fetch'),
    /**
     * Whom it applies to: on the fetch side whose reads are masked, on the produce side whose
     * writes are stored masked. Names, globs, `*` or `role:NAME`, as in ACLs.
     */
    principals: z.array(z.string().min(1)).min(1).default(['*']),
    /** Principals it does not apply to even though `principals` matches them. */
    except: z.array(z.string().min(1)).default([]),
    fields: z.array(MaskFields).min(1),
  })
  .strict()

export type MaskPolicyConfig = z.output<typeof MaskPolicy>
export type MaskStrategyConfig = z.output<typeof MaskStrategy>
