// Committed offsets: the group and the topics both. OffsetCommit needs the group and the topics
// `consume`; OffsetFetch `describe` of both, leaving out of an all-topics answer the topics the
// principal cannot see; OffsetDelete the group `manage` (Kafka asks DELETE) and topics `consume`.
// A refused group refuses everything (GROUP_AUTHORIZATION_FAILED); refused topics are taken out
// and answered TOPIC_AUTHORIZATION_FAILED.
import {
  apis,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
} from '../../../protocol/index.ts'
import { GROUP_AUTHORIZATION_FAILED } from '../error-codes.ts'
import {
  offsetCommitError,
  offsetCommitResponse,
  offsetCommitTopicError,
  offsetDeleteError,
  offsetDeleteTopicError,
  offsetFetchError,
  offsetFetchGroupError,
  offsetFetchGroupTopicError,
  offsetFetchTopicError,
} from '../responses/groups.ts'
import {
  edited,
  forwardAsIs,
  refuseEntries,
  refusals,
  respond,
  topicName,
  topicVerdict,
  watched,
  type Rule,
  type RuleContext,
} from './context.ts'
import { mayGroup } from './groups.ts'
import { topicsById } from '../../version-caps.ts'

/** v10 names topics by id. */
export const offsetCommit: Rule<OffsetCommitRequest> = (request, ctx) => {
  if (!mayGroup(ctx.access, 'consume', request.groupId)) {
    return respond(offsetCommitError(request, ctx.version, GROUP_AUTHORIZATION_FAILED))
  }
  const byId = topicsById('offsetCommit', ctx.version)
  return refuseEntries(
    request.topics,
    (t) => topicVerdict(ctx, 'consume', topicName(ctx, t.name, t.topicId, byId)),
    {
      keep: (kept) => (request.topics = kept),
      error: offsetCommitTopicError,
      answer: offsetCommitResponse,
      into: (response: OffsetCommitResponse) => response.topics,
    }
  )
}

export const offsetDelete: Rule<OffsetDeleteRequest> = (request, ctx) => {
  if (!mayGroup(ctx.access, 'manage', request.groupId)) {
    return respond(offsetDeleteError(request, ctx.version, GROUP_AUTHORIZATION_FAILED))
  }
  return refuseEntries(request.topics, (t) => topicVerdict(ctx, 'consume', t.name), {
    keep: (kept) => (request.topics = kept),
    error: offsetDeleteTopicError,
    answer: (topics) => ({ ...apis.offsetDelete.defaultResponse(), topics }),
    into: (response: OffsetDeleteResponse) => response.topics,
  })
}

export const offsetFetch: Rule<OffsetFetchRequest> = (request, ctx) =>
  ctx.version >= 8 ? offsetFetchGroups(request, ctx) : offsetFetchOneGroup(request, ctx)

/** v0-7: one group; null topics asks for all it committed. */
function offsetFetchOneGroup(request: OffsetFetchRequest, ctx: RuleContext) {
  const { access, version } = ctx
  if (!mayGroup(access, 'describe', request.groupId)) {
    return respond(offsetFetchError(request, version, GROUP_AUTHORIZATION_FAILED))
  }
  if (request.topics === null) {
    return watched((response: OffsetFetchResponse) => {
      response.topics = response.topics.filter((t) => access.sees('topic', t.name))
    })
  }
  const topics = request.topics
  return refuseEntries(topics, (t) => topicVerdict(ctx, 'describe', t.name), {
    keep: (kept) => (request.topics = kept),
    error: offsetFetchTopicError,
    answer: (errors) => ({ ...apis.offsetFetch.defaultResponse(), topics: errors }),
    into: (response: OffsetFetchResponse) => response.topics,
  })
}

type FetchGroup = OffsetFetchRequest['groups'][number]
type GroupResult = OffsetFetchResponse['groups'][number]

/** v8+: several groups, each with its topics (v10 by id), or null for all of them. */
function offsetFetchGroups(request: OffsetFetchRequest, ctx: RuleContext) {
  const { access, version, topicNames } = ctx
  const byId = topicsById('offsetFetch', version)
  const refusedGroups: GroupResult[] = []
  const refusedTopics = new Map<string, GroupResult['topics']>()
  const allTopics = new Set<string>()
  const kept: FetchGroup[] = []
  let changed = false
  for (const group of request.groups) {
    if (!mayGroup(access, 'describe', group.groupId)) {
      refusedGroups.push(offsetFetchGroupError(group, GROUP_AUTHORIZATION_FAILED))
      continue
    }
    kept.push(group)
    if (group.topics === null) {
      allTopics.add(group.groupId)
      continue
    }
    const verdict = (t: NonNullable<FetchGroup['topics']>[number]) =>
      topicVerdict(ctx, 'describe', topicName(ctx, t.name, t.topicId, byId))
    const refused = refusals(group.topics, verdict)
    if (refused.length === 0) continue
    const out = new Set(refused.map((r) => r.entry))
    group.topics = group.topics.filter((t) => !out.has(t))
    refusedTopics.set(
      group.groupId,
      refused.map((r) => offsetFetchGroupTopicError(r.entry, r.code))
    )
    changed = true
  }
  if (kept.length === 0) {
    return respond({ ...apis.offsetFetch.defaultResponse(), groups: refusedGroups })
  }
  if (refusedGroups.length === 0 && allTopics.size === 0 && !changed) return forwardAsIs
  request.groups = kept
  const edit = (response: OffsetFetchResponse) => {
    for (const group of response.groups) {
      if (allTopics.has(group.groupId)) {
        group.topics = group.topics.filter((t) => {
          const name = byId ? topicNames.nameOf(t.topicId) : t.name
          return name !== undefined && access.sees('topic', name)
        })
      }
      group.topics.push(...(refusedTopics.get(group.groupId) ?? []))
    }
    response.groups.push(...refusedGroups)
  }
  return changed || refusedGroups.length > 0 ? edited(edit) : watched(edit)
}
