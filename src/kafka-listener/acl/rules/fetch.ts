// Fetch: topics `consume`, refused ones taken out and answered TOPIC_AUTHORIZATION_FAILED (or
// UNKNOWN_TOPIC_ID for an id no Metadata response taught). Fetch sessions (KIP-227) make the
// broker keep serving what an earlier request added, so the filter keeps its own copy of the
// connection's session: on each incremental fetch it checks those topics again, and any a policy
// reload has since refused is forgotten at the broker (added to forgottenTopicsData) and answered
// as refused. A policy change thus reaches open sessions on their next fetch, as it does
// everything else.
import type { FetchRequest, FetchResponse } from '../../../protocol/index.ts'
import { fetchResponse, fetchTopicError } from '../responses/data.ts'
import { topicsById } from '../../version-caps.ts'
import { edited, forwardAsIs, respond, topicName, topicVerdict, type Rule } from './context.ts'

/** The broker's own error for a session it does not know; the client starts a full one. */
const FETCH_SESSION_ID_NOT_FOUND = 70

interface SessionTopic {
  topic: string
  topicId: string
  /** The name it was allowed under (the id's name then, for v13+). */
  name: string | undefined
  partitions: Set<number>
}

/** Session topics by name (v7-12) or topic id (v13+). */
type Session = Map<string, SessionTopic>

interface Refusal extends SessionTopic {
  code: number
}

/** The connection's session, in the filter's per-connection state. */
const SESSION = {}

/** Forgets the session kept for this connection: one built while no ACL applied was never checked. */
export function forgetFetchSession(connection: Map<object, unknown>): void {
  connection.delete(SESSION)
}

export const fetch: Rule<FetchRequest> = (request, ctx) => {
  const byId = topicsById('fetch', ctx.version)
  const keyOf = (t: { topic: string; topicId: string }) => (byId ? t.topicId : t.topic)
  // Epoch 0 opens a session and -1 fetches without one: both list everything they want.
  const incremental = ctx.version >= 7 && request.sessionId > 0 && request.sessionEpoch > 0
  let session = ctx.connection.get(SESSION) as Session | undefined
  if (incremental && session === undefined) {
    // A session this filter did not see built: have the client rebuild it in full, checked.
    return respond({ ...fetchResponse([]), errorCode: FETCH_SESSION_ID_NOT_FOUND })
  }
  if (!incremental || session === undefined) {
    session = new Map()
    ctx.connection.set(SESSION, session)
  }
  const refused = new Map<string, Refusal>()
  if (incremental) {
    for (const forgotten of request.forgottenTopicsData) {
      const held = session.get(keyOf(forgotten))
      if (held === undefined) continue
      for (const p of forgotten.partitions) held.partitions.delete(p)
      if (held.partitions.size === 0) session.delete(keyOf(forgotten))
    }
    for (const [key, held] of session) {
      const code = topicVerdict(ctx, 'consume', held.name)
      if (code === 0) continue
      session.delete(key)
      request.forgottenTopicsData.push({
        topic: held.topic,
        topicId: held.topicId,
        partitions: [...held.partitions],
      })
      refused.set(key, { ...held, code })
    }
  }
  const kept: FetchRequest['topics'] = []
  for (const t of request.topics) {
    const key = keyOf(t)
    const name = topicName(ctx, t.topic, t.topicId, byId)
    const code = topicVerdict(ctx, 'consume', name)
    const partitions = t.partitions.map((p) => p.partition)
    if (code === 0) {
      kept.push(t)
      const held = session.get(key)
      if (held === undefined) {
        session.set(key, {
          topic: t.topic,
          topicId: t.topicId,
          name,
          partitions: new Set(partitions),
        })
      } else for (const p of partitions) held.partitions.add(p)
      continue
    }
    const refusal = refused.get(key)
    if (refusal === undefined) {
      refused.set(key, {
        topic: t.topic,
        topicId: t.topicId,
        name,
        partitions: new Set(partitions),
        code,
      })
    } else for (const p of partitions) refusal.partitions.add(p)
  }
  if (refused.size === 0) return forwardAsIs
  request.topics = kept
  const errors = [...refused.values()].map((r) => fetchTopicError(r, r.partitions, r.code))
  // A full fetch with nothing left would only make the broker wait out maxWaitMs for nothing.
  if (!incremental && kept.length === 0) return respond(fetchResponse(errors))
  return edited((response: FetchResponse) => {
    response.responses.push(...errors)
  })
}
