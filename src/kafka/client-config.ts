// What a client of a backend cluster needs of its configuration beyond the port's options: TLS
// towards the brokers (also used by the Kafka listener's upstream connections).
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { BackendClusterConfig } from '../config/index.ts'
import type { BackendIdentity } from './backend-identity.ts'

/**
 * TLS towards `cluster`'s brokers, as `identity` (default: the cluster's own client certificate,
 * if any). An identity's client certificate replaces the cluster's own and turns TLS on; the
 * cluster's `tls` still says which CA to trust, the server name and so on.
 */
export function tlsOptions(
  cluster: BackendClusterConfig,
  identity?: BackendIdentity
): ConnectionOptions | boolean | undefined {
  const tls = cluster.tls
  const certificate = identity?.tls
  if (certificate === undefined && !tls?.enabled) return undefined
  const trust = {
    ca: tls?.caFile ? readFileSync(tls.caFile) : undefined,
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    servername: tls?.serverName,
  }
  if (certificate !== undefined) {
    return {
      ...trust,
      cert: readFileSync(certificate.certFile),
      key: readFileSync(certificate.keyFile),
      passphrase: certificate.passphrase,
    }
  }
  return {
    ...trust,
    cert: tls?.certFile ? readFileSync(tls.certFile) : undefined,
    key: tls?.keyFile ? readFileSync(tls.keyFile) : undefined,
  }
}
