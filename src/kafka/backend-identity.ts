// Who Weir is at the broker on a tenant's behalf (credential mapping, "authentication swapping"):
// the first `backendIdentities` entry naming the principal, else the virtual cluster's
// `backendIdentity`, else the backend cluster's own `sasl`. Connections logged in as different
// identities are never shared, so the broker's ACLs, quotas and audit log see each tenant.
import type { BackendClusterConfig, VirtualClusterConfig } from '../config/index.ts'

export type BackendSasl = NonNullable<BackendClusterConfig['sasl']>

/** The SASL credentials for `principal` of `vc` at its backend; undefined: no SASL at all. */
export function backendSaslFor(
  vc: Pick<VirtualClusterConfig, 'backendIdentity' | 'backendIdentities'>,
  backend: Pick<BackendClusterConfig, 'sasl'>,
  principal?: string
): BackendSasl | undefined {
  const mapped =
    principal === undefined
      ? undefined
      : vc.backendIdentities.find((entry) => entry.principals.includes(principal))
  return (mapped ?? vc.backendIdentity)?.sasl ?? backend.sasl
}
