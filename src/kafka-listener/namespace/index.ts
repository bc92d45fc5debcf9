// Namespaces of virtual clusters on the Kafka path: tenant names ↔ backend names in every request
// and response that carries topics, group ids or transactional ids, driven by Kafka's message
// schemas; and the APIs that cannot be namespaced, which a namespaced listener must not offer.
// The names themselves map through the one namespace model every door uses (src/namespace).
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
