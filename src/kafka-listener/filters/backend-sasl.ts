// SASL passed through to the broker (a virtual cluster without authentication methods, on a
// backend cluster that takes `sasl`): the broker authenticates the client, and the client is in
// once the broker has accepted its SaslAuthenticate. Weir watches for that answer because it reads
// each frame whole before the broker sees a byte of it: without the pre-authentication limits
// until then, a stranger could make Weir hold a 100 MiB frame that the broker would have refused
// at its size prefix (sasl.server.max.receive.size).
import { responseFilter } from './by-api.ts'
import type { ConnectionState, ResponseFilter } from './types.ts'

export interface BackendSaslWatch {
  response: ResponseFilter
  authenticated(state: ConnectionState): boolean
}

export function backendSaslWatch(): BackendSaslWatch {
  const key = {}
  return {
    response: responseFilter('saslAuthenticate', {
      onResponse(body, _version, { state }) {
        if (body.errorCode === 0 && !startsScram(body.authBytes)) state.scratch.set(key, true)
        return false
      },
    }),
    authenticated: (state) => state.scratch.has(key),
  }
}

/**
 * Whether the broker's message is SCRAM's server-first ("r=<nonce>,s=…"), which answers errorCode
 * 0 but only starts the exchange: the client is in once the broker sent its server-final ("v=…").
 * PLAIN and OAUTHBEARER end in one accepted round. A GSSAPI exchange (binary tokens) is taken as
 * done at its first accepted round: the broker has then accepted a Kerberos ticket.
 */
function startsScram(authBytes: Buffer): boolean {
  return authBytes.length >= 2 && authBytes[0] === 0x72 && authBytes[1] === 0x3d
}
