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

export type Coverage =
  | { kind: 'rule'; rule: Rule<never> }
  /** Passes untouched: nothing in it is a topic, group or transactional id. */
  | { kind: 'exempt'; reason: string }
  /**
   * Refused while ACLs apply: answered with `code` at the top level where the response has one
   * in the request's version, and otherwise by closing the connection, as a broker does.
   */
  | { kind: 'denied'; code: number; reason: string }

const rule = (r: Rule<never>): Coverage => ({ kind: 'rule', rule: r })
const exempt = (reason: string): Coverage => ({ kind: 'exempt', reason })
const denied = (reason: string, code = CLUSTER_AUTHORIZATION_FAILED): Coverage => ({
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

export const coverage: ReadonlyMap<number, Coverage> = new Map<number, Coverage>([
  [0, rule(produce)],
  [1, rule(fetch)],
  [2, rule(listOffsets)],
  [3, rule(metadata)],
  [8, rule(offsetCommit)],
  [9, rule(offsetFetch)],
  [10, rule(findCoordinator)],
  [11, rule(oneGroup('consume', joinGroupError))],
  [12, rule(oneGroup('consume', heartbeatError))],
  [13, rule(oneGroup('consume', leaveGroupError))],
  [14, rule(oneGroup('consume', syncGroupError))],
  [15, rule(describeGroups)],
  [16, rule(listGroups)],
  [17, exempt('SaslHandshake: authentication itself, before there is a principal')],
  [18, exempt('ApiVersions: version negotiation, about no resource')],
  [19, rule(createTopics)],
  [20, rule(deleteTopics)],
  [21, rule(deleteRecords)],
  [22, rule(initProducerId)],
  [23, rule(offsetForLeaderEpoch)],
  [24, rule(addPartitionsToTxn)],
  [25, rule(addOffsetsToTxn)],
  [26, rule(endTxn)],
  [27, interBroker('WriteTxnMarkers')],
  [28, rule(txnOffsetCommit)],
  [29, cluster('DescribeAcls')],
  [30, cluster('CreateAcls')],
  [31, cluster('DeleteAcls')],
  [32, rule(describeConfigs)],
  [33, rule(alterConfigs)],
  [34, cluster('AlterReplicaLogDirs')],
  [35, cluster('DescribeLogDirs (it lists every topic of the backend)')],
  [36, exempt('SaslAuthenticate: authentication itself, before there is a principal')],
  [37, rule(createPartitions)],
  [38, cluster('CreateDelegationToken')],
  [39, cluster('RenewDelegationToken')],
  [40, cluster('ExpireDelegationToken')],
  [41, cluster('DescribeDelegationToken')],
  [42, rule(deleteGroups)],
  [43, cluster('ElectLeaders')],
  [44, rule(incrementalAlterConfigs)],
  [45, cluster('AlterPartitionReassignments')],
  [46, cluster('ListPartitionReassignments (it lists topics across the backend)')],
  [47, rule(offsetDelete)],
  [48, cluster('DescribeClientQuotas')],
  [49, cluster('AlterClientQuotas')],
  [50, cluster('DescribeUserScramCredentials')],
  [51, cluster('AlterUserScramCredentials')],
  [52, interBroker('Vote')],
  [53, interBroker('BeginQuorumEpoch')],
  [54, interBroker('EndQuorumEpoch')],
  [55, cluster('DescribeQuorum')],
  [56, interBroker('AlterPartition')],
  [57, cluster('UpdateFeatures')],
  [58, interBroker('Envelope')],
  [59, interBroker('FetchSnapshot')],
  [
    60,
    exempt(
      'DescribeCluster: the brokers and cluster id every client learns from Metadata anyway; no topic, group or transactional id'
    ),
  ],
  [61, rule(describeProducers)],
  [62, interBroker('BrokerRegistration')],
  [63, interBroker('BrokerHeartbeat')],
  [64, cluster('UnregisterBroker')],
  [65, rule(describeTransactions)],
  [66, rule(listTransactions)],
  [67, interBroker('AllocateProducerIds')],
  [68, rule(consumerGroupHeartbeat)],
  [69, rule(consumerGroupDescribe)],
  [70, interBroker('ControllerRegistration')],
  [
    71,
    exempt(
      'GetTelemetrySubscriptions: client metrics (KIP-714), which Kafka authorizes for anyone'
    ),
  ],
  [72, exempt('PushTelemetry: client metrics (KIP-714), which Kafka authorizes for anyone')],
  [73, interBroker('AssignReplicasToDirs')],
  [74, cluster('ListConfigResources (it lists every topic and group with configs)')],
  [75, rule(describeTopicPartitions)],
  [76, shareGroups('ShareGroupHeartbeat')],
  [77, shareGroups('ShareGroupDescribe')],
  [78, shareGroups('ShareFetch')],
  [79, shareGroups('ShareAcknowledge')],
  [80, cluster('AddRaftVoter')],
  [81, cluster('RemoveRaftVoter')],
  [82, interBroker('UpdateRaftVoter')],
  [83, interBroker('InitializeShareGroupState')],
  [84, interBroker('ReadShareGroupState')],
  [85, interBroker('WriteShareGroupState')],
  [86, interBroker('DeleteShareGroupState')],
  [87, interBroker('ReadShareGroupStateSummary')],
  [
    88,
    denied(
      'StreamsGroupHeartbeat: streams groups (KIP-1071) are not mapped onto ACLs yet',
      GROUP_AUTHORIZATION_FAILED
    ),
  ],
  [
    89,
    denied(
      'StreamsGroupDescribe: streams groups (KIP-1071) are not mapped onto ACLs yet',
      GROUP_AUTHORIZATION_FAILED
    ),
  ],
  [90, shareGroups('DescribeShareGroupOffsets')],
  [91, shareGroups('AlterShareGroupOffsets')],
  [92, shareGroups('DeleteShareGroupOffsets')],
])
