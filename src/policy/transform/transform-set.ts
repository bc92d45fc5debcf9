// The transform policies in force for one chain (a virtual cluster's, or a route's): which one
// applies to a topic. The last matching policy wins, as for schema policies, so a route's own
// transform overrides its cluster's. Answers are kept per topic, so a door asking per record pays
// one map lookup; the cache is bounded, since topic names can come from clients.
import type { PolicyConfig } from '../../config/schema/index.ts'
import type { TransformPolicyConfig } from '../../config/schema/policies.ts'
import { compileGlobs, type Matcher } from '../../core/glob.ts'
import { compileTransform, type CompiledTransform } from './compile.ts'

export interface CompiledTransformPolicy {
  topics: Matcher
  config: TransformPolicyConfig
}

const MAX_CACHED_TOPICS = 4096
const NONE: CompiledTransform = { write: undefined, read: undefined }

export class TransformSet {
  readonly #policies: readonly CompiledTransformPolicy[]
  readonly #byTopic = new Map<string, CompiledTransform>()

  constructor(policies: readonly CompiledTransformPolicy[]) {
    this.#policies = policies
  }

  /** Whether any transform policy is in the chain at all. */
  get any(): boolean {
    return this.#policies.length > 0
  }

  /** The policy for a topic (client name), or undefined when none matches. */
  policy(topic: string): TransformPolicyConfig | undefined {
    for (let i = this.#policies.length - 1; i >= 0; i--) {
      const policy = this.#policies[i] as CompiledTransformPolicy
      if (policy.topics(topic)) return policy.config
    }
    return undefined
  }

  /** What applies to a topic's records; both parts undefined when nothing does. */
  forTopic(topic: string): CompiledTransform {
    if (this.#policies.length === 0) return NONE
    let found = this.#byTopic.get(topic)
    if (found === undefined) {
      const policy = this.policy(topic)
      found = policy === undefined ? NONE : compileTransform(policy)
      if (this.#byTopic.size >= MAX_CACHED_TOPICS) this.#byTopic.clear()
      this.#byTopic.set(topic, found)
    }
    return found
  }
}

/**
 * The transform policy a config applies to a topic under these policy names, read from the config
 * itself: for services that keep records transformed (views, reply stores) and must tell whether
 * a reload changes what applies before the engine has taken the new config.
 */
export function transformPolicyOf(
  policies: readonly PolicyConfig[],
  names: readonly string[],
  topic: string
): TransformPolicyConfig | undefined {
  const byName = new Map(policies.map((p) => [p.name, p]))
  let found: TransformPolicyConfig | undefined
  for (const name of names) {
    const policy = byName.get(name)
    if (policy?.kind === 'transform' && compileGlobs(policy.topics)(topic)) found = policy
  }
  return found
}
