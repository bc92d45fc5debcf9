// The one namespace model of a virtual cluster, protocol-neutral: a prefix, exposed names and
// Kafka's internal topics decide which names a tenant sees and what each one is on the backend.
// Every door maps names through it; the Kafka listener's request and response rewriting (in
// kafka-listener/namespace) applies it to the fields of Kafka's messages.
export {
  createNameMapper,
  internalTopics,
  nameKinds,
  type NameKind,
  type NameMapper,
  type NamespaceConfig,
} from './name-mapper.ts'
export { backendGroupIdOf, backendTopicOf, clientTopicOf, namespaceOf } from './virtual-cluster.ts'
