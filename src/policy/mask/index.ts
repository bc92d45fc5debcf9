// Masking (`kind: mask`): strategies and the compiled policy, over field selection (../fields).
export { compileMaskPolicy, type CompiledMask } from './compile.ts'
export { compileMaskStrategy, type MaskText } from './strategies.ts'
export {
  MaskPolicy,
  MaskSet,
  maskRecord,
  type MaskSchemaSource,
  type MaskSide,
  type RecordEdit,
} from './mask-set.ts'
export { maskOutgoing } from './outgoing.ts'
export { maskConsumed, type RecordEdits } from './consumed.ts'
