// Rewriting decoded Kafka messages between a tenant's names and the backend's. Pure: the
// listener's filters decode, call these, and re-encode when something changed. Bodies are edited
// in place; only name strings and the arrays that lose elements are replaced, so record batches
// and every other field stay the very objects (and Buffer views) the decoder produced.
import { apiByKey } from '../../protocol/index.ts'
import type { NameMapper } from '../../namespace/index.ts'
import { carriesNames, planFor } from './plan.ts'
import type { OutsideName, Struct, WalkContext } from './steps.ts'
import { unsafeApis } from './unsafe-apis.ts'

export interface RequestRewrite {
  /** The body was edited (re-encode it). */
  readonly changed: boolean
  /**
   * Names the request gives outside the namespace. When not empty the request must not reach
   * the broker: the body may still hold them, and the caller answers with an error instead.
   */
  readonly outside: readonly OutsideName[]
}

const none: readonly OutsideName[] = Object.freeze([])
const unchanged: RequestRewrite = Object.freeze({ changed: false, outside: none })
const changed: RequestRewrite = Object.freeze({ changed: true, outside: none })

/** Maps every name a request gives to the backend's; see RequestRewrite for what comes back. */
export function rewriteRequest(
  apiKey: number,
  version: number,
  body: object,
  mapper: NameMapper
): RequestRewrite {
  if (unsafeApis.has(apiKey)) {
    const name = apiByKey.get(apiKey)?.name ?? String(apiKey)
    return { changed: false, outside: [{ kind: 'api', name }] }
  }
  const plan = planFor('request', apiKey, version)
  if (plan === null) return unchanged
  const ctx: WalkContext = { mapper, changed: false, outside: undefined }
  plan.visit(body as Struct, ctx)
  if (ctx.outside !== undefined) return { changed: ctx.changed, outside: ctx.outside }
  return ctx.changed ? changed : unchanged
}

/**
 * Maps every name a response gives back to the client's, dropping the array elements (topics,
 * groups, transactions, ...) that belong to no name this tenant may see and the hidden entries of
 * name lists. True when the body changed.
 */
export function rewriteResponse(
  apiKey: number,
  version: number,
  body: object,
  mapper: NameMapper
): boolean {
  const plan = planFor('response', apiKey, version)
  if (plan === null) return false
  const ctx: WalkContext = { mapper, changed: false, outside: undefined }
  plan.visit(body as Struct, ctx)
  return ctx.changed
}

let keys: ReadonlySet<number> | undefined

/**
 * API keys whose requests or responses a namespaced listener must decode: those carrying names,
 * and the unsafe ones it must refuse. Every other API passes through untouched.
 */
export function namespacedApiKeys(): ReadonlySet<number> {
  keys ??= new Set([...apiByKey.keys()].filter((key) => unsafeApis.has(key) || carriesNames(key)))
  return keys
}

/** For the ApiVersions filter: unsafe APIs are not offered to namespaced clients at all. */
export function namespaceApiCap(apiKey: number): 'remove' | undefined {
  return unsafeApis.has(apiKey) ? 'remove' : undefined
}
