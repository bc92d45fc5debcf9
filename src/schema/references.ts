// Confluent schema references: a schema may use types or documents registered under other
// subjects. They are fetched depth-first, so every schema comes after the ones it uses.
import { GatewayError } from '../core/errors.ts'
import { registryFormat } from './compile.ts'
import type { RegistryClient, SchemaReference } from './registry-client.ts'
import type { ReferencedSchema } from './types.ts'

const maxDepth = 16

export async function collectReferences(
  client: RegistryClient,
  references: readonly SchemaReference[],
  seen = new Set<string>(),
  out: ReferencedSchema[] = [],
  depth = 0
): Promise<ReferencedSchema[]> {
  if (references.length > 0 && depth >= maxDepth) {
    throw new GatewayError('internal', `schema references nest deeper than ${maxDepth} levels`)
  }
  for (const ref of references) {
    const key = `${ref.subject}\n${ref.version}`
    if (seen.has(key)) continue
    seen.add(key)
    const found = await client.subjectVersion(ref.subject, ref.version)
    await collectReferences(client, found.references, seen, out, depth + 1)
    const what = `referenced subject "${ref.subject}" version ${ref.version}`
    out.push({ name: ref.name, format: registryFormat(found, what), schema: found.schema })
  }
  return out
}
