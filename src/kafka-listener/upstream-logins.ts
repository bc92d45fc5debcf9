// How the Kafka listener connects to a backend broker as a tenant's backend identity
// (../kafka/backend-identity.ts): the TLS it connects with (the backend's, with the identity's
// client certificate in place of the backend's own where it has one) and the SASL login that
// follows (none for a certificate: the broker sees its subject). One object per identity, so
// that `===` tells whether a broker connection is already the right one, and whether two
// identities could share a transport (same TLS) and differ only in their SASL login.
import type { ConnectionOptions } from 'node:tls'
import type { BackendClusterConfig } from '../config/index.ts'
import type { Principal } from '../core/principal.ts'
import { identityKey, saslOf, type BackendIdentity } from '../kafka/backend-identity.ts'
import { tlsOptions } from '../kafka/client-config.ts'
import type { UpstreamSaslConfig } from './sasl/index.ts'

export interface UpstreamLogin {
  /** TLS options of the broker connection, or undefined for plaintext. */
  readonly tls: ConnectionOptions | boolean | undefined
  /** Weir's SASL login once connected, or undefined for none. */
  readonly sasl: UpstreamSaslConfig | undefined
}

/**
 * The login for a principal (or, before anyone authenticated, the virtual cluster's), given who
 * the principal is at the broker (the chain's `upstreamIdentity`); undefined when Weir does not
 * log in itself (client SASL passes through to the broker).
 */
export function upstreamLogins(
  backend: BackendClusterConfig,
  identityOf: ((principal?: Principal) => BackendIdentity | undefined) | undefined
): ((principal?: Principal) => UpstreamLogin) | undefined {
  if (identityOf === undefined) return undefined
  const backendTls = tlsOptions(backend)
  const logins = new Map<string, UpstreamLogin>()
  return (principal) => {
    const identity = identityOf(principal)
    const key = identityKey(identity)
    let login = logins.get(key)
    if (login === undefined) {
      login = {
        // Identities without a certificate of their own share the backend's TLS options.
        tls: identity?.tls === undefined ? backendTls : tlsOptions(backend, identity),
        sasl: saslOf(identity, backend),
      }
      logins.set(key, login)
    }
    return login
  }
}
