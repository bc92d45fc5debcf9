// The policy engine's public surface, for doors and the CLI.
export { PolicyEngine, type PolicyEngineOptions, type RateLimitCounts } from './engine.ts'
export type { AuthResult, DenyDecision } from './authn/authenticator.ts'
export type { JwksOptions } from './authn/jwt.ts'
export type { ScramLogin, ScramProofResult } from './authn/scram.ts'
export {
  clientProof,
  DEFAULT_ITERATIONS,
  MIN_ITERATIONS,
  scramHashes,
  scramSecrets,
  type ScramHash,
  type ScramMechanism,
  type ScramSecrets,
} from './authn/scram-keys.ts'
export { verifiedCertificateSubject } from './authn/mtls.ts'
export type { AclRequest } from './acl.ts'
export type { ConnectionAdmission, ConnectionRequest, Lease } from './connection-limit.ts'
export type { Clock, RateLimitCharge, RateLimiterOptions, RateLimitKey } from './rate-limit.ts'
export {
  defaultScryptParams,
  hashApiKey,
  hashPassword,
  verifyPassword,
  type ScryptParams,
} from './secrets.ts'
