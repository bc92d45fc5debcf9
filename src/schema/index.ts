// The schema layer every door uses: registry client, subject strategies, wire format, Avro and
// JSON Schema codecs, and the SchemaCatalog that ties them together.
export {
  SchemaCatalog,
  type Deserialized,
  type SchemaCatalogOptions,
  type SchemaContext,
} from './schemas.ts'
export type { ResolvedSchema, SchemaOrigin, SerializeResult } from './resolved.ts'
export {
  RegistryClient,
  type NewSchema,
  type RegistryClientOptions,
  type RegistrySchema,
  type SchemaReference,
  type SchemaType,
  type SubjectRef,
  type SubjectVersion,
} from './registry-client.ts'
export { registryLookup, subjectName, type RegistryLookup } from './subject.ts'
export { frame, unframe, MAGIC_BYTE, HEADER_SIZE, type Framed } from './wire-format.ts'
export { compileAvro } from './avro.ts'
export { compileJsonSchema } from './json-schema.ts'
export { compileSchema } from './compile.ts'
export type { Transport, TransportRequest, TransportResponse } from './transport.ts'
export type { Codec, SchemaFormat, SchemaPart, SchemaSource, WriteResult } from './types.ts'
