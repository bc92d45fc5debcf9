// APIs a namespaced virtual cluster must not offer: they are removed from ApiVersions, and a
// client that sends one anyway is refused (rewriteRequest reports it outside). Each is here for
// one of three reasons: it carries names in a form a per-name mapping cannot confine (patterns,
// cursors, ids of no tenant), it acts on the shared backend as the gateway's own principal (which
// every tenant shares there), or brokers never serve it to clients at all.

const acls =
  'ACL resource patterns (literal, prefixed, match-any, or a null filter matching every ' +
  "tenant's resources) over the backend's principals, which every tenant shares as the gateway: " +
  "access is governed by Weir's policies instead"
const delegationTokens =
  'delegation tokens are issued to the principal the gateway connects as: holding one, a tenant ' +
  'could reach the backend directly, outside every namespace'
const quotas =
  "quotas of the backend's users and client ids: there every tenant is the gateway's user, so " +
  'one tenant would throttle or inspect all of them'
const scram = "SCRAM credentials of the backend's users, the gateway's own among them"
const raft = "KRaft quorum membership: the backend cluster's own operation"
const shareState =
  "inter-broker share-group state (the share coordinator's), with group ids the specs do not " +
  'mark as such'
const controllerOnly =
  'served by KRaft controllers only, never by a broker a listener forwards to; kept out even if ' +
  'a backend advertised it'

/** API key → why it cannot be namespaced. */
export const unsafeApis: ReadonlyMap<number, string> = new Map<number, string>([
  [
    27,
    'WriteTxnMarkers: inter-broker (transaction coordinator to leaders); it commits or aborts ' +
      "any producer's transaction by producer id",
  ],
  [29, `DescribeAcls: ${acls}`],
  [30, `CreateAcls: ${acls}`],
  [31, `DeleteAcls: ${acls}`],
  [
    34,
    "AlterReplicaLogDirs: moves replicas between a backend broker's disks, an operator's action " +
      'on storage every tenant shares',
  ],
  [
    35,
    "DescribeLogDirs: the backend brokers' disks, paths and free space, which belong to no " +
      'tenant',
  ],
  [38, `CreateDelegationToken: ${delegationTokens}`],
  [39, `RenewDelegationToken: ${delegationTokens}`],
  [40, `ExpireDelegationToken: ${delegationTokens}`],
  [41, `DescribeDelegationToken: ${delegationTokens}`],
  [
    43,
    'ElectLeaders: a null topic list elects leaders for every partition of the cluster; an ' +
      "operator's action on the shared brokers",
  ],
  [
    45,
    'AlterPartitionReassignments: places replicas on backend broker ids, which the gateway hides ' +
      'and every tenant shares',
  ],
  [
    46,
    "ListPartitionReassignments: the backend's replica moves by broker id; an operator's view of " +
      'the shared brokers',
  ],
  [48, `DescribeClientQuotas: ${quotas}`],
  [49, `AlterClientQuotas: ${quotas}`],
  [50, `DescribeUserScramCredentials: ${scram}`],
  [51, `AlterUserScramCredentials: ${scram}`],
  [
    55,
    'DescribeQuorum: KRaft internals; it names the internal __cluster_metadata topic and lists ' +
      'controller addresses the gateway does not proxy',
  ],
  [57, "UpdateFeatures: the cluster's feature levels, shared by every tenant"],
  [64, 'UnregisterBroker: backend cluster membership'],
  [
    75,
    'DescribeTopicPartitions: with no topic list it pages through every topic of the cluster by ' +
      "a cursor naming the next one, often another tenant's, which can be neither shown nor " +
      'dropped without breaking the paging; clients fall back to Metadata',
  ],
  [80, `AddRaftVoter: ${raft}`],
  [81, `RemoveRaftVoter: ${raft}`],
  [83, `InitializeShareGroupState: ${shareState}`],
  [84, `ReadShareGroupState: ${shareState}`],
  [85, `WriteShareGroupState: ${shareState}`],
  [86, `DeleteShareGroupState: ${shareState}`],
  [87, `ReadShareGroupStateSummary: ${shareState}`],
  [52, `Vote: ${controllerOnly}`],
  [53, `BeginQuorumEpoch: ${controllerOnly}`],
  [54, `EndQuorumEpoch: ${controllerOnly}`],
  [56, `AlterPartition: ${controllerOnly}`],
  [58, `Envelope: ${controllerOnly}`],
  [59, `FetchSnapshot: ${controllerOnly}`],
  [62, `BrokerRegistration: ${controllerOnly}`],
  [63, `BrokerHeartbeat: ${controllerOnly}`],
  [67, `AllocateProducerIds: ${controllerOnly}`],
  [70, `ControllerRegistration: ${controllerOnly}`],
  [73, `AssignReplicasToDirs: ${controllerOnly}`],
  [82, `UpdateRaftVoter: ${controllerOnly}`],
])
