// What schema validation on Produce needs: the policy engine's schema validator, and the virtual
// cluster the connection belongs to.
import type { SchemaValidator } from '../../policy/schema/index.ts'

export interface SchemaValidationDeps {
  validator: Pick<SchemaValidator, 'applies' | 'forTopic'>
  virtualCluster: string
  /** The virtual cluster's schema registry, for policies that name none. */
  registry: string | undefined
}
