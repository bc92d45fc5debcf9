// What a name-bearing field holds. Most come straight from the `entityType` Kafka's specs put on
// the field; the rest are fields the specs leave unannotated although they carry names, listed
// here by message, struct and field so that a new Kafka release renaming one fails the coverage
// test instead of leaking (see test/kafka-listener/namespace/coverage.test.ts).
import type { FieldSchema } from '../../protocol/index.ts'
import { nameKinds, type NameKind } from '../../namespace/index.ts'
import type { RegexKind } from './regex.ts'

/** Kinds of things a request can name outside its namespace, reported so the caller can deny. */
export type OutsideKind =
  | NameKind
  | RegexKind
  /** FindCoordinator for a key type other than group or transaction (share-group partitions). */
  | 'coordinatorKey'
  /** Altering the configs of a resource that belongs to no tenant (brokers, client metrics). */
  | 'configResource'
  /** Deleting a topic by id alone: the name it would hide behind cannot be checked here. */
  | 'topicId'
  /** An API that cannot be namespaced at all (see unsafeApis). */
  | 'api'

export type FieldRole =
  | { readonly kind: NameKind; readonly deniedWhenNull?: 'topicId' }
  | { readonly regex: RegexKind }
  /**
   * The kind depends on an integer field of the same struct (a resource or key type); values
   * absent from `kinds` are left alone or, in requests, denied as `denied`.
   */
  | {
      readonly by: string
      readonly kinds: Readonly<Record<number, NameKind>>
      readonly denied?: OutsideKind
    }
  /** Responses only: whichever of these kinds the backend name maps back from first. */
  | { readonly anyOf: readonly NameKind[] }

/** Kafka's ConfigResource.Type codes that name something a namespace owns. */
const configResourceKinds: Record<number, NameKind> = { 2: 'topicName', 32: 'groupId' }
/** FindCoordinatorRequest.KeyType: 0 group, 1 transaction (2, share partitions, is brokers'). */
const coordinatorKinds: Record<number, NameKind> = { 0: 'groupId', 1: 'transactionalId' }

const describedConfig: FieldRole = { by: 'resourceType', kinds: configResourceKinds }
const alteredConfig: FieldRole = {
  by: 'resourceType',
  kinds: configResourceKinds,
  denied: 'configResource',
}
const coordinatorKey: FieldRole = {
  by: 'keyType',
  kinds: coordinatorKinds,
  denied: 'coordinatorKey',
}
const topicRegex: FieldRole = { regex: 'topicRegex' }

/** `Message.Struct.field` → role, for fields whose names the specs do not annotate. */
export const specialFields: ReadonlyMap<string, FieldRole> = new Map<string, FieldRole>([
  // Describing a broker's or client-metrics' configs names no tenant's resource: it passes.
  ['DescribeConfigsRequest.DescribeConfigsResource.resourceName', describedConfig],
  ['DescribeConfigsResponse.DescribeConfigsResult.resourceName', describedConfig],
  // Altering them would change the shared backend for every tenant: denied.
  ['AlterConfigsRequest.AlterConfigsResource.resourceName', alteredConfig],
  ['AlterConfigsResponse.AlterConfigsResourceResponse.resourceName', describedConfig],
  ['IncrementalAlterConfigsRequest.AlterConfigsResource.resourceName', alteredConfig],
  ['IncrementalAlterConfigsResponse.AlterConfigsResourceResponse.resourceName', describedConfig],
  // v0 has no ResourceType: the codec fills in its default, 16 (client metrics), as Kafka does.
  ['ListConfigResourcesResponse.ConfigResource.resourceName', describedConfig],
  ['FindCoordinatorRequest.FindCoordinatorRequest.key', coordinatorKey],
  ['FindCoordinatorRequest.FindCoordinatorRequest.coordinatorKeys', coordinatorKey],
  // The response does not repeat the key type. Group ids and transactional ids share the
  // prefix and differ only in which can be exposed, so trying group first gives back the
  // name the client sent for either (src/namespace/name-mapper.ts explains why a hidden group
  // is not a transactional id).
  ['FindCoordinatorResponse.Coordinator.key', { anyOf: ['groupId', 'transactionalId'] }],
  ['ConsumerGroupHeartbeatRequest.ConsumerGroupHeartbeatRequest.subscribedTopicRegex', topicRegex],
  ['ConsumerGroupDescribeResponse.Member.subscribedTopicRegex', topicRegex],
  // Kafka 4.1 still refuses source-topic regexes, but the field is there for when it will not.
  ['StreamsGroupHeartbeatRequest.Subtopology.sourceTopicRegex', topicRegex],
  [
    'ListTransactionsRequest.ListTransactionsRequest.transactionalIdPattern',
    { regex: 'transactionalIdRegex' },
  ],
])

/** DeleteTopics v6 may name a topic by id alone; that form is refused (see OutsideKind). */
const deleteByIdKey = 'DeleteTopicsRequest.DeleteTopicState.name'

/** The role of `field` of `struct` in `message`, or undefined when it holds no namespaced name. */
export function roleOf(message: string, struct: string, field: FieldSchema): FieldRole | undefined {
  const key = `${message}.${struct}.${field.name}`
  const special = specialFields.get(key)
  if (special) return special
  const kind = field.entityType as NameKind | undefined
  if (kind === undefined || !nameKinds.includes(kind)) return undefined
  return key === deleteByIdKey ? { kind, deniedWhenNull: 'topicId' } : { kind }
}
