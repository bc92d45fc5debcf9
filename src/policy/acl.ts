// Access control lists. Every ACL policy that applies to a request (the virtual cluster's and the
// route's) is pooled into one rule set, like Kafka's authorizer: an explicit deny anywhere wins,
// otherwise an allow anywhere lets the request through, otherwise it is denied. Only when no ACL
// policy applies at all is everything allowed (the engine then never builds an AclSet).
import type { AclPolicyConfig } from '../config/schema/index.ts'
import { allow, type Decision } from '../core/decision.ts'
import type { Operation, ResourceType } from '../core/policy-request.ts'
import type { Principal } from '../core/principal.ts'
import { compileGlobs, type Matcher } from '../core/glob.ts'

/** What an ACL judges: who does what to which resource. */
export interface AclRequest {
  principal: Principal
  operation: Operation
  resource: { type: ResourceType; name: string }
}

export interface AclRule {
  policy: string
  effect: 'allow' | 'deny'
  resource: ResourceType
  operations: readonly Operation[]
  principal: (principal: Principal) => boolean
  names: Matcher
}

export interface CompiledAclPolicy {
  name: string
  rules: readonly AclRule[]
}

/** The rules of one resource type and operation, denies apart so they are checked first. */
interface RuleIndex {
  deny: AclRule[]
  allow: AclRule[]
}

const operations: readonly Operation[] = ['produce', 'consume', 'describe', 'manage', 'decrypt']
const resourceTypes: readonly ResourceType[] = ['topic', 'group', 'transactional-id']

/**
 * Operations that imply `describe`, as Kafka's READ, WRITE, DELETE and ALTER imply DESCRIBE: a
 * principal allowed to produce to a topic can see it without a second rule, on every door. An
 * explicit deny of `describe` alone therefore does not hide what another operation allows.
 */
const implyDescribe: readonly Operation[] = ['consume', 'produce', 'manage']

const verbs: Readonly<Record<Operation, string>> = {
  produce: 'produce to',
  consume: 'consume from',
  describe: 'describe',
  manage: 'manage',
  decrypt: 'decrypt',
}

/** Principal patterns: exact names, globs (`team-*`), `*`, and `role:NAME` (globs allowed too). */
export function compilePrincipals(patterns: readonly string[]): (principal: Principal) => boolean {
  const names = patterns.filter((p) => !p.startsWith('role:'))
  const roles = patterns.filter((p) => p.startsWith('role:')).map((p) => p.slice('role:'.length))
  const byName = names.length === 0 ? undefined : compileGlobs(names)
  const byRole = roles.length === 0 ? undefined : compileGlobs(roles)
  return (principal) => {
    if (byName !== undefined && byName(principal.name)) return true
    if (byRole !== undefined) for (const role of principal.roles) if (byRole(role)) return true
    return false
  }
}

/** Compiles one ACL policy's rules; done once per policy, shared by every set that pools it. */
export function compileAclPolicy(policy: AclPolicyConfig): CompiledAclPolicy {
  return {
    name: policy.name,
    rules: policy.rules.map((rule) => ({
      policy: policy.name,
      effect: rule.effect,
      resource: rule.resource,
      operations: rule.operations,
      principal: compilePrincipals(rule.principals),
      names: compileGlobs(rule.names),
    })),
  }
}

export class AclSet {
  readonly #index: Readonly<Record<ResourceType, Readonly<Record<Operation, RuleIndex>>>>
  /** Names the policies for a default deny, where no single rule is to blame. */
  readonly #policies: string

  constructor(policies: readonly CompiledAclPolicy[]) {
    const index = {} as Record<ResourceType, Record<Operation, RuleIndex>>
    for (const type of resourceTypes) {
      index[type] = {} as Record<Operation, RuleIndex>
      for (const op of operations) index[type][op] = { deny: [], allow: [] }
    }
    for (const policy of policies) {
      for (const rule of policy.rules) {
        for (const op of rule.operations) index[rule.resource][op][rule.effect].push(rule)
      }
    }
    this.#index = index
    this.#policies = policies.map((p) => p.name).join(',')
  }

  /** The verdict on one operation on one resource (`describe` granted by what implies it). */
  evaluate(request: AclRequest): Decision {
    const decision = this.#evaluate(request, request.operation)
    if (decision.verdict === 'allow' || request.operation !== 'describe') return decision
    for (const operation of implyDescribe) {
      if (this.#evaluate(request, operation).verdict === 'allow') return allow
    }
    return decision
  }

  #evaluate(request: AclRequest, operation: Operation): Decision {
    const { principal, resource } = request
    const name = resource.name
    const rules = this.#index[resource.type][operation]
    // Indexed loops: this runs for every request, and skips the iterator protocol.
    const deny = rules.deny
    for (let i = 0; i < deny.length; i++) {
      const rule = deny[i] as AclRule
      if (rule.names(name) && rule.principal(principal)) return this.#refuse(request, rule.policy)
    }
    const allowed = rules.allow
    for (let i = 0; i < allowed.length; i++) {
      const rule = allowed[i] as AclRule
      if (rule.names(name) && rule.principal(principal)) return allow
    }
    return this.#refuse(request, this.#policies)
  }

  #refuse(request: AclRequest, policy: string): Decision {
    const { principal, resource } = request
    return {
      verdict: 'deny',
      code: 'forbidden',
      detail: `principal "${principal.name}" may not ${verbs[request.operation]} ${resource.type} "${resource.name}"`,
      policy,
    }
  }
}
