// Every API key of the codec, and what the ACL filter does with it: a rule mapping it onto the
// policy engine, exempt (no resource to govern), or denied while ACLs apply (a cluster-wide
// operation no Weir resource stands for, or one not covered yet). Nothing is left out: the test
// enumerates apiByKey, so a new Kafka API cannot slip past the ACLs unnoticed.
import { CLUSTER_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED } from './error-codes.ts'
import {
  alterConfigs,
  createPartitions,
  createTopics,
  deleteRecords,
  deleteTopics,
  describeConfigs,
  incrementalAlterConfigs,
} from './rules/admin.ts'
import type { Rule } from './rules/context.ts'
import type { ApiName } from '../../protocol/index.ts'
import { apiKey, type RequestOf } from '../filters/by-api.ts'
import { describeProducers, listOffsets, offsetForLeaderEpoch, produce } from './rules/data.ts'
import { fetch } from './rules/fetch.ts'
import {
  consumerGroupDescribe,
  consumerGroupHeartbeat,
  deleteGroups,
  describeGroups,
  findCoordinator,
  listGroups,
  oneGroup,
} from './rules/groups.ts'
import { describeTopicPartitions, metadata } from './rules/metadata.ts'
import { offsetCommit, offsetDelete, offsetFetch } from './rules/offsets.ts'
import {
  addOffsetsToTxn,
  addPartitionsToTxn,
  describeTransactions,
  endTxn,
  initProducerId,
  listTransactions,
  txnOffsetCommit,
} from './rules/transactions.ts'
import {
  heartbeatError,
  joinGroupError,
  leaveGroupError,
  syncGroupError,
} from './responses/groups.ts'

/** Passes untouched: nothing in it is a topic, group or transactional id. */
interface Exempt {
  kind: 'exempt'
  reason: string
}

/**
 * Refused while ACLs apply: answered with `code` at the top level where the response has one in
 * the request's version, and otherwise by closing the connection, as a broker does.
 */
interface Denied {
  kind: 'denied'
  code: number
  reason: string
}

/** `Req`: the request its rule takes, the codec's request of the API it covers. */
export type Coverage<Req = unknown> = { kind: 'rule'; rule: Rule<Req> } | Exempt | Denied

const rule = <Req>(r: Rule<Req>): Coverage<Req> => ({ kind: 'rule', rule: r })
const exempt = (reason: string): Exempt => ({ kind: 'exempt', reason })
const denied = (reason: string, code = CLUSTER_AUTHORIZATION_FAILED): Denied => ({
  kind: 'denied',
  code,
  reason,
})

const cluster = (what: string) =>
  denied(
    `${what}: a cluster-wide operation on the shared backend, which no Weir ACL resource governs`
  )
const interBroker = (what: string) =>
  denied(`${what}: between brokers and controllers, never a client's to send`)
const shareGroups = (what: string) =>
  denied(
    `${what}: share groups (KIP-932) are not mapped onto ACLs yet, so refused rather than let through`,
    GROUP_AUTHORIZATION_FAILED
  )

/**
 * By the codec's API name, each rule typed by its API's request: the compiler checks that every
 * API is here, and that a rule is given the request it was written for.
 */
const byName: { [N in ApiName]: Coverage<RequestOf<N>> } = {
  produce: rule(produce),
  fetch: rule(fetch),
  listOffsets: rule(listOffsets),
  metadata: rule(metadata),
  offsetCommit: rule(offsetCommit),
  offsetFetch: rule(offsetFetch),
  findCoordinator: rule(findCoordinator),
  joinGroup: rule(oneGroup('consume', joinGroupError)),
  heartbeat: rule(oneGroup('consume', heartbeatError)),
  leaveGroup: rule(oneGroup('consume', leaveGroupError)),
  syncGroup: rule(oneGroup('consume', syncGroupError)),
  describeGroups: rule(describeGroups),
  listGroups: rule(listGroups),
  saslHandshake: exempt('SaslHandshake: authentication itself, before there is a principal'),
  apiVersions: exempt('ApiVersions: version negotiation, about no resource'),
  createTopics: rule(createTopics),
  deleteTopics: rule(deleteTopics),
  deleteRecords: rule(deleteRecords),
  initProducerId: rule(initProducerId),
  offsetForLeaderEpoch: rule(offsetForLeaderEpoch),
  addPartitionsToTxn: rule(addPartitionsToTxn),
  addOffsetsToTxn: rule(addOffsetsToTxn),
  endTxn: rule(endTxn),
  writeTxnMarkers: interBroker('WriteTxnMarkers'),
  txnOffsetCommit: rule(txnOffsetCommit),
  describeAcls: cluster('DescribeAcls'),
  createAcls: cluster('CreateAcls'),
  deleteAcls: cluster('DeleteAcls'),
  describeConfigs: rule(describeConfigs),
  alterConfigs: rule(alterConfigs),
  alterReplicaLogDirs: cluster('AlterReplicaLogDirs'),
  describeLogDirs: cluster('DescribeLogDirs (it lists every topic of the backend)'),
  saslAuthenticate: exempt('SaslAuthenticate: authentication itself, before there is a principal'),
  createPartitions: rule(createPartitions),
  createDelegationToken: cluster('CreateDelegationToken'),
  renewDelegationToken: cluster('RenewDelegationToken'),
  expireDelegationToken: cluster('ExpireDelegationToken'),
  describeDelegationToken: cluster('DescribeDelegationToken'),
  deleteGroups: rule(deleteGroups),
  electLeaders: cluster('ElectLeaders'),
  incrementalAlterConfigs: rule(incrementalAlterConfigs),
  alterPartitionReassignments: cluster('AlterPartitionReassignments'),
  listPartitionReassignments: cluster(
    'ListPartitionReassignments (it lists topics across the backend)'
  ),
  offsetDelete: rule(offsetDelete),
  describeClientQuotas: cluster('DescribeClientQuotas'),
  alterClientQuotas: cluster('AlterClientQuotas'),
  describeUserScramCredentials: cluster('DescribeUserScramCredentials'),
  alterUserScramCredentials: cluster('AlterUserScramCredentials'),
  vote: interBroker('Vote'),
  beginQuorumEpoch: interBroker('BeginQuorumEpoch'),
  endQuorumEpoch: interBroker('EndQuorumEpoch'),
  describeQuorum: cluster('DescribeQuorum'),
  alterPartition: interBroker('AlterPartition'),
  updateFeatures: cluster('UpdateFeatures'),
  envelope: interBroker('Envelope'),
  fetchSnapshot: interBroker('FetchSnapshot'),
  describeCluster: exempt(
    'DescribeCluster: the brokers and cluster id every client learns from Metadata anyway; no topic, group or transactional id'
  ),
  describeProducers: rule(describeProducers),
  brokerRegistration: interBroker('BrokerRegistration'),
  brokerHeartbeat: interBroker('BrokerHeartbeat'),
  unregisterBroker: cluster('UnregisterBroker'),
  describeTransactions: rule(describeTransactions),
  listTransactions: rule(listTransactions),
  allocateProducerIds: interBroker('AllocateProducerIds'),
  consumerGroupHeartbeat: rule(consumerGroupHeartbeat),
  consumerGroupDescribe: rule(consumerGroupDescribe),
  controllerRegistration: interBroker('ControllerRegistration'),
  getTelemetrySubscriptions: exempt(
    'GetTelemetrySubscriptions: client metrics (KIP-714), which Kafka authorizes for anyone'
  ),
  pushTelemetry: exempt(
    'PushTelemetry: client metrics (KIP-714), which Kafka authorizes for anyone'
  ),
  assignReplicasToDirs: interBroker('AssignReplicasToDirs'),
  listConfigResources: cluster('ListConfigResources (it lists every topic and group with configs)'),
  describeTopicPartitions: rule(describeTopicPartitions),
  shareGroupHeartbeat: shareGroups('ShareGroupHeartbeat'),
  shareGroupDescribe: shareGroups('ShareGroupDescribe'),
  shareFetch: shareGroups('ShareFetch'),
  shareAcknowledge: shareGroups('ShareAcknowledge'),
  addRaftVoter: cluster('AddRaftVoter'),
  removeRaftVoter: cluster('RemoveRaftVoter'),
  updateRaftVoter: interBroker('UpdateRaftVoter'),
  initializeShareGroupState: interBroker('InitializeShareGroupState'),
  readShareGroupState: interBroker('ReadShareGroupState'),
  writeShareGroupState: interBroker('WriteShareGroupState'),
  deleteShareGroupState: interBroker('DeleteShareGroupState'),
  readShareGroupStateSummary: interBroker('ReadShareGroupStateSummary'),
  streamsGroupHeartbeat: denied(
    'StreamsGroupHeartbeat: streams groups (KIP-1071) are not mapped onto ACLs yet',
    GROUP_AUTHORIZATION_FAILED
  ),
  streamsGroupDescribe: denied(
    'StreamsGroupDescribe: streams groups (KIP-1071) are not mapped onto ACLs yet',
    GROUP_AUTHORIZATION_FAILED
  ),
  describeShareGroupOffsets: shareGroups('DescribeShareGroupOffsets'),
  alterShareGroupOffsets: shareGroups('AlterShareGroupOffsets'),
  deleteShareGroupOffsets: shareGroups('DeleteShareGroupOffsets'),
}

/**
 * By API key, as requests arrive. The one place a rule's request type is erased: the key comes
 * from the same name as the rule, so the body it is given is always that API's request.
 */
export const coverage: ReadonlyMap<number, Coverage> = new Map(
  (Object.keys(byName) as ApiName[]).map((name) => [apiKey(name), byName[name] as Coverage])
)
