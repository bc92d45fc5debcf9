// Masking (`kind: mask`): strategies and the compiled policy, over field selection (../fields).
export { compileMaskPolicy, type CompiledMask } from './compile.ts'
export { compileMaskStrategy, type MaskText } from './strategies.ts'
