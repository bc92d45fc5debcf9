// Schema policies (`kind: schema`): one validate/serialize API for every door that writes.
export type { RecordError, RecordsVerdict, SerializedRecord } from './check.ts'
export type { PayloadRecord } from './serialize.ts'
export type { RecordSchemas, SchemaPolicies } from './sources.ts'
export { SchemaValidator, type RecordCheck, type SchemaTarget } from './validator.ts'
