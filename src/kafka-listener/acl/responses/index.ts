// The gateway's own refusals, one builder per API the ACL filter answers for: given the request
// (decoded, in the client's names) and its version, a valid response refusing all of it with one
// error code, at the levels that response carries it. The filter's rules use the entry builders
// of each module to merge partial refusals into the broker's answer.
import * as admin from './admin.ts'
import * as data from './data.ts'
import * as groups from './groups.ts'
import * as transactions from './transactions.ts'

export type ErrorResponseBuilder = (request: never, version: number, code: number) => unknown

/** API key → builder (Metadata, ListGroups and ListTransactions are only ever filtered). */
export const errorResponses: ReadonlyMap<number, ErrorResponseBuilder> = new Map<
  number,
  ErrorResponseBuilder
>([
  [0, data.produceError],
  [1, data.fetchError],
  [2, data.listOffsetsError],
  [8, groups.offsetCommitError],
  [9, groups.offsetFetchError],
  [10, groups.findCoordinatorError],
  [11, groups.joinGroupError],
  [12, groups.heartbeatError],
  [13, groups.leaveGroupError],
  [14, groups.syncGroupError],
  [15, groups.describeGroupsError],
  [19, admin.createTopicsError],
  [20, admin.deleteTopicsError],
  [21, admin.deleteRecordsError],
  [22, transactions.initProducerIdError],
  [23, data.epochError],
  [24, transactions.addPartitionsToTxnError],
  [25, transactions.addOffsetsToTxnError],
  [26, transactions.endTxnError],
  [28, transactions.txnOffsetCommitError],
  [32, admin.describeConfigsError],
  [33, admin.alterConfigsError],
  [37, admin.createPartitionsError],
  [42, groups.deleteGroupsError],
  [44, admin.alterConfigsError],
  [47, groups.offsetDeleteError],
  [61, data.describeProducersError],
  [65, transactions.describeTransactionsError],
  [68, groups.consumerGroupHeartbeatError],
  [69, groups.consumerGroupDescribeError],
  [75, data.describeTopicPartitionsError],
])

export { deniedResponse } from './denied.ts'
