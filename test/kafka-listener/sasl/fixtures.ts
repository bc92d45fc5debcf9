// Builders shared by the SASL tests: SCRAM users from passwords, engines around authentication
// methods, and a loop that runs a client's messages through a server.
import { ScramAuth } from '../../../src/config/schema/authentication.ts'
import { WeirConfigSchema, type AuthMethodConfig } from '../../../src/config/schema/index.ts'
import { ScramCredentials } from '../../../src/kafka-listener/sasl/scram/credentials.ts'
import { scramSecrets, type ScramMechanism } from '../../../src/kafka-listener/sasl/scram/crypto.ts'
import type { SaslServer, SaslStep } from '../../../src/kafka-listener/sasl/types.ts'
import { PolicyEngine, type PolicyEngineOptions } from '../../../src/policy/index.ts'
import type { Authenticate } from '../../../src/kafka-listener/sasl/types.ts'

export interface ScramUser {
  username: string
  password: string
  mechanism: ScramMechanism
  roles?: string[]
}

/** A validated `kind: scram` method with credentials derived from the users' passwords. */
export async function scramMethod(users: readonly ScramUser[]): Promise<AuthMethodConfig> {
  return ScramAuth.parse({
    kind: 'scram',
    users: await Promise.all(
      users.map(async ({ username, password, mechanism, roles = [] }) => ({
        username,
        ...(await scramSecrets(mechanism, password)),
        roles,
      }))
    ),
  })
}

export async function scramCredentials(users: readonly ScramUser[]): Promise<ScramCredentials> {
  return new ScramCredentials([await scramMethod(users)])
}

/** The policy engine's authenticate for a virtual cluster `vc` with these methods. */
export function engineFor(
  authentication: readonly unknown[],
  options: PolicyEngineOptions = {}
): Authenticate {
  const config = WeirConfigSchema.parse({
    backendClusters: [{ name: 'local', bootstrapServers: '127.0.0.1:9092' }],
    virtualClusters: [{ name: 'vc', backendCluster: 'local', authentication }],
    listeners: [{ name: 'kafka', kind: 'http', port: 0 }],
  })
  const engine = new PolicyEngine(config, options)
  return (credentials) => engine.authenticate('vc', credentials)
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
