// The mask policies in force for one chain (a virtual cluster's, or a route's), and the one
// decision every door asks: which of them apply to a topic's records for a principal, on the
// produce side (stored masked) or the fetch side (shown masked). Principals and roles match as
// ACLs match them. A policy's field editors are compiled once per schema registry and shared by
// every chain, so a writer schema is fetched and planned once whichever door meets it first.
import type { MaskPolicyConfig } from '../../config/schema/mask-policy.ts'
import { GatewayError } from '../../core/errors.ts'
import { compileGlobs, type Matcher } from '../../core/glob.ts'
import type { Principal } from '../../core/principal.ts'
import type { RecordView } from '../../core/records/record-view.ts'
import type { SchemaSource } from '../../schema/types.ts'
import { compilePrincipals } from '../acl.ts'
import { encodingOf } from '../fields/encoding.ts'
import { compileMaskPolicy, type CompiledMask } from './compile.ts'

/** A writer schema by registry name and id (the engine's schema catalog). */
export type MaskSchemaSource = (registry: string, id: number) => Promise<SchemaSource>

export type MaskSide = MaskPolicyConfig['side']

/**
 * What a door does to the records of one topic for one principal: a mask, an encryption or a
 * decryption, or several chained (the engine's `recordEditsFor`).
 */
export interface RecordEdit {
  /**
   * Gets what these records need (writer schemas, data keys); undefined when nothing is missing,
   * so a door need not await.
   */
  prepare(records: readonly RecordView[]): Promise<void> | undefined
  /** Edits the record in place; `prepare` must have settled for it first. */
  apply(record: RecordView): void
}

/**
 * Masks one record in place: at once when its writer schema is at hand, else once it is fetched
 * (the promise). For doors that mask one record at a time.
 */
export function maskRecord(mask: RecordEdit, record: RecordView): void | Promise<void> {
  const pending = mask.prepare([record])
  if (pending === undefined) return mask.apply(record)
  return pending.then(() => mask.apply(record))
}

/** One mask policy, compiled once per config; its field editors once per registry. */
export class MaskPolicy {
  readonly config: MaskPolicyConfig
  readonly topics: Matcher
  readonly #principals: (p: Principal) => boolean
  readonly #except: (p: Principal) => boolean
  readonly #compiled = new Map<string, CompiledMask>()
  readonly #source: MaskSchemaSource | undefined

  constructor(config: MaskPolicyConfig, source: MaskSchemaSource | undefined) {
    this.config = config
    this.topics = compileGlobs(config.topics)
    this.#principals = compilePrincipals(config.principals)
    this.#except = compilePrincipals(config.except)
    this.#source = source
    // Compiled now for plain JSON, so a bad pointer fails when the config loads.
    this.compiled(undefined)
  }

  appliesTo(principal: Principal): boolean {
    return this.#principals(principal) && !this.#except(principal)
  }

  /** The compiled mask for values of a virtual cluster whose registry is `registry`. */
  compiled(registry: string | undefined): CompiledMask {
    const key = registry ?? ''
    let found = this.#compiled.get(key)
    if (found === undefined) {
      const source = this.#source
      found = compileMaskPolicy(this.config, {
        fetchSchema: (id) =>
          registry === undefined || source === undefined
            ? Promise.reject(new GatewayError('internal', `no schema registry for schema id ${id}`))
            : source(registry, id),
      })
      this.#compiled.set(key, found)
    }
    return found
  }
}

export class MaskSet {
  readonly #policies: readonly MaskPolicy[]

  constructor(policies: readonly MaskPolicy[]) {
    this.#policies = policies
  }

  get any(): boolean {
    return this.#policies.length > 0
  }

  /** Whether any mask of this side applies to the topic, for anyone (doors that skip decoding). */
  covers(topic: string, side: MaskSide): boolean {
    return this.#policies.some((p) => p.config.side === side && p.topics(topic))
  }

  /** The masks of `side` for `topic` and `principal`, in the order listed; undefined when none. */
  maskFor(
    topic: string,
    principal: Principal,
    side: MaskSide,
    registry: string | undefined
  ): RecordEdit | undefined {
    const masks: CompiledMask[] = []
    for (const policy of this.#policies) {
      if (policy.config.side !== side || !policy.topics(topic)) continue
      // The reader on the fetch side; the writer on the produce side (partners' writes stored
      // masked, say, and an internal service's stored clear).
      if (!policy.appliesTo(principal)) continue
      masks.push(policy.compiled(registry))
    }
    return masks.length === 0 ? undefined : recordMask(masks, registry)
  }
}

function recordMask(masks: readonly CompiledMask[], registry: string | undefined): RecordEdit {
  return {
    prepare(records) {
      let pending: Promise<void>[] | undefined
      for (const record of records) {
        const value = record.value
        if (value === null || encodingOf(value, registry) !== 'registry') continue
        for (const mask of masks) {
          const waiting = mask.prepare(value, 'registry')
          if (waiting !== undefined) (pending ??= []).push(waiting)
        }
      }
      return pending === undefined ? undefined : Promise.all(pending).then(() => undefined)
    },
    apply(record) {
      for (const mask of masks) {
        const value = record.value
        if (value === null) return
        const encoding = encodingOf(value, registry)
        if (encoding === undefined) return
        try {
          const masked = mask.apply(value, encoding)
          if (masked !== undefined) record.value = masked
        } catch (err) {
          // Not JSON, or not readable with its writer schema: no field to mask, passed as is.
          if (err instanceof GatewayError && err.code === 'invalid-record') return
          throw err
        }
      }
    },
  }
}
