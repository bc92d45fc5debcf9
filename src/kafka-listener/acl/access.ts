// What one principal may do, asked of the one policy engine in Kafka's terms. ACL verdicts only:
// rate limits reach Kafka clients as broker quotas do (throttle time), never as refusals here.
import type { Decision } from '../../core/decision.ts'
import type { Operation, PolicyRequest, ResourceType } from '../../core/policy-request.ts'
import type { Principal } from '../../core/principal.ts'

/** What the filter needs of the PolicyEngine (a delegate to the current one, across reloads). */
export interface AclPolicies {
  authorizeAcl(request: PolicyRequest): Decision
  hasAcls(virtualCluster: string): boolean
}

/**
 * Operations that imply `describe`, as Kafka's READ, WRITE, DELETE and ALTER imply DESCRIBE: a
 * principal allowed to produce to a topic can see it without a second rule. An explicit deny of
 * `describe` alone therefore does not hide what another operation allows.
 */
const describing: readonly Operation[] = ['describe', 'consume', 'produce', 'manage']

export class Access {
  readonly #policies: AclPolicies
  readonly #virtualCluster: string
  readonly #principal: Principal

  constructor(policies: AclPolicies, virtualCluster: string, principal: Principal) {
    this.#policies = policies
    this.#virtualCluster = virtualCluster
    this.#principal = principal
  }

  may(type: ResourceType, operation: Operation, name: string): boolean {
    const decision = this.#policies.authorizeAcl({
      door: 'kafka',
      operation,
      virtualCluster: this.#virtualCluster,
      resource: { type, name },
      principal: this.#principal,
      records: 0,
      bytes: 0,
    })
    return decision.verdict === 'allow'
  }

  /** Whether the resource exists for this principal at all: `describe` or anything implying it. */
  sees(type: ResourceType, name: string): boolean {
    for (const operation of describing) if (this.may(type, operation, name)) return true
    return false
  }
}
