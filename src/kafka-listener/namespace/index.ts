// Namespaces of virtual clusters on the Kafka path: tenant names ↔ backend names in every request
// and response that carries topics, group ids or transactional ids, driven by Kafka's message
// schemas; and the APIs that cannot be namespaced, which a namespaced listener must not offer.
export {
  createNameMapper,
  internalTopics,
  nameKinds,
  type NameKind,
  type NameMapper,
  type NamespaceConfig,
} from './name-mapper.ts'
export type { FieldRole, OutsideKind } from './roles.ts'
export {
  namespaceApiCap,
  namespacedApiKeys,
  rewriteRequest,
  rewriteResponse,
  type RequestRewrite,
} from './rewrite.ts'
export type { OutsideName } from './steps.ts'
export { unsafeApis } from './unsafe-apis.ts'
