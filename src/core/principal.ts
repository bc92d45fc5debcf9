// Who is asking. Every door authenticates into this one shape, so a policy written for a
// principal means the same over HTTP, WebSocket and the Kafka protocol.
export type AuthMethod = 'anonymous' | 'api-key' | 'jwt' | 'basic' | 'sasl' | 'mtls'

export interface Principal {
  /** Stable name policies match on, e.g. `orders-service` or a JWT `sub`. */
  name: string
  method: AuthMethod
  roles: readonly string[]
  /** Verified token claims (JWT), for transforms and logs. Never credentials. */
  claims?: Readonly<Record<string, unknown>>
}

export const anonymous: Principal = { name: 'anonymous', method: 'anonymous', roles: [] }

/** What a client presented, as a door extracted it from its protocol. */
export interface Credentials {
  apiKey?: string
  bearerToken?: string
  basic?: { username: string; password: string }
  /** Subject of a verified TLS client certificate. */
  clientCertSubject?: string
  /** Where the client connects from (after any PROXY protocol header), for ip filters. */
  client?: string
}
