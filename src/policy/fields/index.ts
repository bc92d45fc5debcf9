// Field-level selection and editing of record values (plain JSON, Confluent-framed JSON Schema and
// Avro), by JSON pointer or schema tag, keeping each value valid for its schema. Encryption and
// masking policies edit fields through it.
export { FieldEditor, compileFieldEdit, type FieldEditorOptions } from './editor.ts'
export { registrySchemaSource } from './registry-source.ts'
export {
  SEALED_PREFIX,
  isSealedString,
  openFields,
  sealFields,
  type FieldAad,
  type Open,
  type Seal,
} from './sealed.ts'
export type {
  FieldEdit,
  FieldSelection,
  SelectedField,
  UnsupportedField,
  ValueEncoding,
} from './types.ts'
