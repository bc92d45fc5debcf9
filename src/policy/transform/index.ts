// Transform policies, written once against the protocol-neutral record view and applied by every
// door: compiled per policy, looked up per topic, with adapters for consumed and outgoing records.
export {
  compileTransform,
  type ReadTransform,
  type ReadTransforms,
  type WriteTransform,
} from './compile.ts'
export { readConsumed } from './consumed.ts'
export { MASK } from './mask.ts'
export { writeOutgoing } from './outgoing.ts'
export { TransformSet, transformPolicyOf, type CompiledTransformPolicy } from './transform-set.ts'
