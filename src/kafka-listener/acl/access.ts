// What one principal may do, asked of the one policy engine in Kafka's terms. ACL verdicts only:
// rate limits reach Kafka clients as broker quotas do (throttle time), never as refusals here.
// What implies what (produce, consume and manage imply describe) is the engine's to say.
import type { Decision } from '../../core/decision.ts'
import type { Operation, ResourceType } from '../../core/policy-request.ts'
import type { Principal } from '../../core/principal.ts'
import type { AclRequest } from '../../policy/index.ts'

/** What the filter needs of the PolicyEngine (a delegate to the current one, across reloads). */
export interface AclPolicies {
  authorizeAcl(request: AclRequest & { virtualCluster: string }): Decision
  hasAcls(virtualCluster: string): boolean
}

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
      operation,
      virtualCluster: this.#virtualCluster,
      resource: { type, name },
      principal: this.#principal,
    })
    return decision.verdict === 'allow'
  }

  /** Whether the resource exists for this principal at all: `describe`, or what implies it. */
  sees(type: ResourceType, name: string): boolean {
    return this.may(type, 'describe', name)
  }
}
