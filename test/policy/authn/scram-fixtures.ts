// SCRAM users from passwords, for the tests of the policy engine's SCRAM store and of the Kafka
// listener's SCRAM exchange.
import { ScramAuth } from '../../../src/config/schema/authentication.ts'
import type { AuthMethodConfig } from '../../../src/config/schema/index.ts'
import { scramSecrets, type ScramMechanism } from '../../../src/policy/authn/scram-keys.ts'

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
