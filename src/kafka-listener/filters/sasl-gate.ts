// SASL at the gateway: clients authenticate to Weir (PLAIN, SCRAM, OAUTHBEARER, as the virtual
// cluster's authentication methods allow) and Weir talks to the broker with the backend
// cluster's own credentials. Until a client is in, only ApiVersions, SaslHandshake and
// SaslAuthenticate are served; anything else ends the connection, as on a broker's SASL listener.
// Re-authentication (KIP-368) is answered here too, and a session whose credential expired is
// ended at its next request.
import { errorCatalogue } from '../../core/errors.ts'
import type { SaslServer, VirtualClusterSasl } from '../sasl/index.ts'
import type { ConnectionState, RequestFilter } from './types.ts'

const SASL_HANDSHAKE = 17
const API_VERSIONS = 18
const SASL_AUTHENTICATE = 36
const { kafka: SASL_AUTHENTICATION_FAILED, kafkaFor } = errorCatalogue.unauthenticated
const { mechanism: UNSUPPORTED_SASL_MECHANISM, 'sasl-state': ILLEGAL_SASL_STATE } = kafkaFor

interface SaslSession {
  server?: SaslServer
  /** Wall-clock ms after which the client must re-authenticate. */
  expiresAt?: number
}

export function saslGate(sasl: VirtualClusterSasl, now: () => number = Date.now): RequestFilter {
  const key = {}
  const session = (state: ConnectionState): SaslSession => {
    let found = state.scratch.get(key) as SaslSession | undefined
    if (found === undefined) state.scratch.set(key, (found = {}))
    return found
  }
  const expired = (state: ConnectionState) => {
    const at = session(state).expiresAt
    return at !== undefined && now() >= at
  }
  return {
    wants: (apiKey, _version, state) =>
      apiKey === SASL_HANDSHAKE ||
      apiKey === SASL_AUTHENTICATE ||
      (apiKey !== API_VERSIONS && (state.principal === undefined || expired(state))),
    async onRequest(body, header, { state }) {
      const apiKey = header.requestApiKey
      if (apiKey === SASL_HANDSHAKE) {
        const { mechanism } = body as { mechanism: string }
        const server = sasl.server(mechanism)
        const mechanisms = [...sasl.mechanisms]
        if (server === undefined) {
          return { kind: 'respond', body: { errorCode: UNSUPPORTED_SASL_MECHANISM, mechanisms } }
        }
        session(state).server = server
        return { kind: 'respond', body: { errorCode: 0, mechanisms } }
      }
      if (apiKey === SASL_AUTHENTICATE) {
        const current = session(state)
        const server = current.server
        if (server === undefined) {
          return failure(ILLEGAL_SASL_STATE, 'SaslAuthenticate before SaslHandshake')
        }
        const step = await server.step((body as { authBytes: Buffer }).authBytes)
        if (step.kind === 'failed') {
          current.server = undefined
          return failure(SASL_AUTHENTICATION_FAILED, step.message)
        }
        if (step.kind === 'continue') return authResponse(step.response, 0n)
        current.server = undefined
        state.principal = step.principal
        current.expiresAt =
          step.sessionLifetimeMs === undefined ? undefined : now() + step.sessionLifetimeMs
        return authResponse(step.response, BigInt(step.sessionLifetimeMs ?? 0))
      }
      const reason =
        state.principal === undefined
          ? 'a request before SASL authentication'
          : 'the SASL session expired without re-authentication'
      return { kind: 'close', reason }
    },
  }
}

function authResponse(authBytes: Buffer, sessionLifetimeMs: bigint) {
  return {
    kind: 'respond' as const,
    body: { errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs },
  }
}

/** A failed authentication is answered, then the connection ends (as brokers do). */
function failure(errorCode: number, message: string) {
  return {
    kind: 'respond' as const,
    closeAfter: true,
    body: { errorCode, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n },
  }
}
