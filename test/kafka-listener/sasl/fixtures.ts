// Builders shared by the SASL tests: SCRAM users from passwords, engines around authentication
// methods, and a loop that runs a client's messages through a server.
import { WeirConfigSchema } from '../../../src/config/schema/index.ts'
import type { SaslAuthentication } from '../../../src/kafka-listener/sasl/mechanisms.ts'
import type { ScramLogins } from '../../../src/kafka-listener/sasl/scram/server.ts'
import type { Authenticate, SaslServer, SaslStep } from '../../../src/kafka-listener/sasl/types.ts'
import { ScramCredentials } from '../../../src/policy/authn/scram.ts'
import { PolicyEngine, type PolicyEngineOptions } from '../../../src/policy/index.ts'
import { scramMethod, type ScramUser } from '../../policy/authn/scram-fixtures.ts'

export { scramMethod, type ScramUser }

/** The policy engine's SCRAM store for these users, as a ScramServer asks it. */
export async function scramCredentials(users: readonly ScramUser[]): Promise<ScramLogins> {
  const credentials = new ScramCredentials([await scramMethod(users)])
  return (mechanism, username) => credentials.login(mechanism, username)
}

/** The policy engine's authenticate for a virtual cluster `vc` with these methods. */
export function engineFor(
  authentication: readonly unknown[],
  options: PolicyEngineOptions = {}
): Authenticate {
  return saslFor(authentication, options).authenticate
}

/** The policy engine's SASL checks for a virtual cluster `vc` with these methods. */
export function saslFor(
  authentication: readonly unknown[],
  options: PolicyEngineOptions = {}
): SaslAuthentication {
  const config = WeirConfigSchema.parse({
    backendClusters: [{ name: 'local', bootstrapServers: '127.0.0.1:9092' }],
    virtualClusters: [{ name: 'vc', backendCluster: 'local', authentication }],
    listeners: [{ name: 'kafka', kind: 'http', port: 0 }],
  })
  const engine = new PolicyEngine(config, options)
  return {
    authenticate: async (credentials) => engine.authenticate('vc', credentials),
    scramLogin: (mechanism, username) => engine.scramLogin('vc', mechanism, username),
  }
}

/** Feeds `messages` to the server one by one; the steps it answered, up to the first final one. */
export async function feed(server: SaslServer, messages: readonly (Buffer | string)[]) {
  const steps: SaslStep[] = []
  for (const message of messages) {
    const step = await server.step(typeof message === 'string' ? Buffer.from(message) : message)
    steps.push(step)
    if (step.kind !== 'continue') break
  }
  return steps
}

export function text(step: SaslStep | undefined): string {
  return step?.response.toString('utf8') ?? ''
}
