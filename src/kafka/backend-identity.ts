// Who Weir is at the broker on a tenant's behalf (credential mapping, "authentication swapping"):
// the first `backendIdentities` entry naming the principal, else the virtual cluster's
// `backendIdentity`, else the backend cluster's own `sasl`. An identity is a SASL user, or a client
// certificate presented to the backend's TLS listener (the broker sees its subject). Connections logged in as different
// identities are never shared, so the broker's ACLs, quotas and audit log see each tenant.
//
// Every door asks here, once per request or connection, with the virtual cluster and principal;
// what it gets back travels down to the producers and consumers (which key their kafkajs clients
// by it) or to the Kafka listener's upstream login. No door decides it itself.
import { createHmac, randomBytes } from 'node:crypto'
import type { BackendClusterConfig, VirtualClusterConfig } from '../config/index.ts'

export type BackendSasl = NonNullable<BackendClusterConfig['sasl']>

/** A tenant's credentials at the backend, as configured (`backendIdentity`). */
export type BackendIdentity = NonNullable<VirtualClusterConfig['backendIdentity']>

type IdentityConfig = Pick<VirtualClusterConfig, 'backendIdentity' | 'backendIdentities'>

/** The identity `principal` of `vc` has at its backend; undefined: the backend cluster's own. */
export function backendIdentityOf(
  vc: IdentityConfig,
  principal?: string
): BackendIdentity | undefined {
  const mapped =
    principal === undefined
      ? undefined
      : vc.backendIdentities.find((entry) => entry.principals.includes(principal))
  return mapped ?? vc.backendIdentity
}

/**
 * The SASL credentials a connection as `identity` logs in with: its own, none for a client
 * certificate (the certificate is who the broker sees), the backend's own for no identity.
 */
export function saslOf(
  identity: BackendIdentity | undefined,
  backend: Pick<BackendClusterConfig, 'sasl'>
): BackendSasl | undefined {
  return identity === undefined ? backend.sasl : identity.sasl
}

/** The SASL credentials for `principal` of `vc` at its backend; undefined: no SASL at all. */
export function backendSaslFor(
  vc: IdentityConfig,
  backend: Pick<BackendClusterConfig, 'sasl'>,
  principal?: string
): BackendSasl | undefined {
  return saslOf(backendIdentityOf(vc, principal), backend)
}

const keys = new WeakMap<BackendIdentity, string>()
/** Keys are only compared within this process: a secret of its own keeps them unguessable. */
const keySecret = randomBytes(32)

/**
 * What tells identities apart, for keying clients and connections: '' for the backend cluster's
 * own, else a digest of the credentials (the same credentials in two virtual clusters share
 * their connections; a changed password is another identity). A keyed digest, so that the key
 * can appear in ids and logs without the secret, and a weak password cannot be guessed from it.
 */
export function identityKey(identity: BackendIdentity | undefined): string {
  if (identity === undefined) return ''
  let key = keys.get(identity)
  if (key === undefined) {
    const credentials = JSON.stringify({ sasl: identity.sasl, tls: identity.tls })
    key = createHmac('sha256', keySecret).update(credentials).digest('hex').slice(0, 16)
    keys.set(identity, key)
  }
  return key
}

/** A key for what is kept per backend cluster and identity (clients, admins, topic lists). */
export function clusterIdentityKey(cluster: string, identity: BackendIdentity | undefined): string {
  return `${cluster}\u0000${identityKey(identity)}`
}
