// Compiles a schema in either format, turning "this schema is broken" into a configuration
// error that names where the schema came from.
import { GatewayError } from '../core/errors.ts'
import { compileAvro } from './avro.ts'
import { compileJsonSchema } from './json-schema.ts'
import type { RegistrySchema } from './registry-client.ts'
import type { Codec, SchemaFormat, SchemaSource } from './types.ts'

export const formatNames: Record<SchemaFormat, string> = {
  avro: 'Avro',
  'json-schema': 'JSON Schema',
}

/** `what` names the schema in the error, e.g. `schema id 7 in schema registry "main"`. */
export function compileSchema(source: SchemaSource, what: string): Codec {
  try {
    return source.format === 'avro'
      ? compileAvro(source.schema, source.references)
      : compileJsonSchema(source.schema, source.references)
  } catch (err) {
    throw new GatewayError(
      'internal',
      `${what} is not a valid ${formatNames[source.format]} schema: ${(err as Error).message}`,
      { cause: err }
    )
  }
}

/** The format of a registry schema; Protobuf (and anything else) is refused clearly. */
export function registryFormat(schema: RegistrySchema, what: string): SchemaFormat {
  switch (schema.schemaType) {
    case 'AVRO':
      return 'avro'
    case 'JSON':
      return 'json-schema'
    default:
      throw new GatewayError(
        'internal',
        `${what} is a ${schema.schemaType} schema; Weir supports Avro and JSON Schema only`
      )
  }
}
