// Connection limits on the Kafka listener: a connection takes its principal's slot from the one
// PolicyEngine once the client is authenticated (at its first request after SaslAuthenticate,
// or at its first request where the principal comes from a client certificate or no
// authentication applies), and gives it back when it closes.
//
// Over the limit, the connection is closed, as a Kafka broker closes connections over
// `max.connections.per.ip` or its connection quotas: clients take that as a transient failure
// and reconnect after `reconnect.backoff.ms`, the Kafka counterpart of HTTP 429 and WebSocket
// 1013. Answering SaslAuthenticate with SASL_AUTHENTICATION_FAILED instead would be fatal to
// Java and kafkajs clients (an AuthenticationException is never retried), and connections that
// authenticate without SASL have no such response to carry it. A shared state store that cannot
// be reached by a fail-closed limit closes the connection the same way.
import type { ConnectionAdmission, ConnectionRequest, Lease } from '../../policy/index.ts'
import { forward, type RequestDecision, type RequestFilter } from '../filters/types.ts'
import { undecodable } from '../version-caps.ts'

/** What the filter needs of the PolicyEngine (or a delegate to the current one, across reloads). */
export interface ConnectionPolicies {
  hasConnectionLimits(virtualCluster: string): boolean
  admit(connection: ConnectionRequest): Promise<ConnectionAdmission>
}

export function connectionLimitFilter(deps: {
  policies: ConnectionPolicies
  virtualCluster: string
}): RequestFilter {
  const { policies, virtualCluster } = deps
  /** Marks a connection that holds its slot (scratch lives as long as the connection). */
  const admitted = {}
  return {
    wants: (apiKey, version, state) =>
      state.principal !== undefined &&
      !state.scratch.has(admitted) &&
      // Produce v0-2 passes undecoded: its connection is counted at its next request.
      !undecodable(apiKey, version) &&
      policies.hasConnectionLimits(virtualCluster),
    async onRequest(_body, _header, { state }): Promise<RequestDecision> {
      const principal = state.principal
      if (principal === undefined) return forward
      // Registered before the wait: a connection that closes meanwhile gives the slot back too.
      const slot: { lease?: Lease; closed: boolean } = { closed: false }
      ;(state.onClose ??= []).push(() => {
        slot.closed = true
        slot.lease?.release()
      })
      const admission = await policies.admit({ door: 'kafka', virtualCluster, principal })
      if (admission.verdict === 'deny') return { kind: 'close', reason: admission.detail }
      state.scratch.set(admitted, true)
      slot.lease = admission.lease
      if (slot.closed) admission.lease.release()
      return forward
    },
  }
}
