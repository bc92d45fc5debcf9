// How a door fetches a writer schema for FieldEditor: by id from the registry, with the schemas it
// references, in the shape the schema layer compiles.
import { registryFormat } from '../../schema/compile.ts'
import { collectReferences } from '../../schema/references.ts'
import type { RegistryClient } from '../../schema/registry-client.ts'
import type { SchemaSource } from '../../schema/types.ts'

export async function registrySchemaSource(
  client: RegistryClient,
  id: number
): Promise<SchemaSource> {
  const found = await client.schemaById(id)
  const references = await collectReferences(client, found.references)
  return { format: registryFormat(found, `schema id ${id}`), schema: found.schema, references }
}
