// SASL at the Kafka listener: terminating clients' PLAIN, SCRAM and OAUTHBEARER logins, and
// logging in to backend clusters with their own credentials. Protocol-neutral: the listener's
// pipeline carries these bytes in SaslHandshake and SaslAuthenticate.
export {
  mechanisms,
  VirtualClusterSasl,
  type SaslAuthentication,
  type VirtualClusterSaslOptions,
} from './mechanisms.ts'
export {
  OAuthBearerServer,
  parseInitialResponse,
  type OAuthBearerInitialResponse,
  type OAuthBearerOptions,
} from './oauthbearer.ts'
export { plainMessage, PlainServer } from './plain.ts'
export { ScramClient, ScramClientError, type ScramClientOptions } from './scram/client.ts'
export { ScramServer, type ScramLogins, type ScramServerOptions } from './scram/server.ts'
export { type Authenticate, type SaslMechanism, type SaslServer, type SaslStep } from './types.ts'
export {
  authenticateUpstream,
  upstreamMechanism,
  type SendAuthBytes,
  type UpstreamSaslConfig,
} from './upstream.ts'
