// Topics a principal may not describe: Metadata and DescribeTopicPartitions leave them out of
// listings, and a request naming one is answered TOPIC_AUTHORIZATION_FAILED, as Kafka's broker
// does, whether or not the topic exists, so the answer tells nothing of what exists (and a client
// gives up at once instead of waiting for a topic to appear). A topic named by an id is answered
// the same once its name is known: Kafka holds ids not to be secret. "May describe" is
// `describe` or any operation implying it (see Access.sees), so a producer allowed only
// `produce` still finds its topic. Named topics a principal may not see never reach the broker,
// so asking cannot auto-create them; and auto-creation is switched off unless the principal may
// `manage` every topic named (as Kafka asks CREATE).
import {
  ZERO_UUID,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  type MetadataRequest,
  type MetadataResponse,
} from '../../../protocol/index.ts'
import { TOPIC_AUTHORIZATION_FAILED } from '../error-codes.ts'
import {
  describeTopicPartitionsError,
  describeTopicPartitionsTopicError,
  metadataTopicError,
} from '../responses/data.ts'
import { edited, respond, watched, type Rule } from './context.ts'

type MetadataTopic = NonNullable<MetadataRequest['topics']>[number]

/** Kafka's answer for a topic asked for that the principal may not describe: by name with no
 * id, or by id with no name, never both (the one the client gave). */
function refused(topic: { name: string | null; topicId: string }, version: number) {
  return topic.name === null
    ? metadataTopicError(null, topic.topicId, TOPIC_AUTHORIZATION_FAILED, version)
    : metadataTopicError(topic.name, ZERO_UUID, TOPIC_AUTHORIZATION_FAILED, version)
}

export const metadata: Rule<MetadataRequest> = (request, ctx) => {
  const { access, version, topicNames } = ctx
  const askedNames = new Set<string>()
  const askedIds = new Set<string>()
  let hidden: MetadataTopic[] = []
  let changed = false
  // null asks for every topic, and so does an empty list in v0.
  const listed = request.topics === null || (version === 0 && request.topics.length === 0)
  if (!listed && request.topics !== null) {
    const kept: MetadataTopic[] = []
    let mayCreate = true
    for (const topic of request.topics) {
      if (topic.name !== null) askedNames.add(topic.name)
      else askedIds.add(topic.topicId)
      // An id never seen goes on: the response names the topic, and is checked there.
      const name = topic.name ?? topicNames.nameOf(topic.topicId)
      if (name !== undefined && !access.sees('topic', name)) {
        hidden.push(topic)
        continue
      }
      kept.push(topic)
      if (name === undefined || !access.may('topic', 'manage', name)) mayCreate = false
    }
    // v0 cannot ask for no topic (an empty list is all of them): the response side hides them.
    if (version === 0 && kept.length === 0) hidden = []
    else if (hidden.length > 0) {
      request.topics = kept
      changed = true
    }
    if (version >= 4 && request.allowAutoTopicCreation && !mayCreate) {
      request.allowAutoTopicCreation = false
      changed = true
    }
  }
  const edit = (response: MetadataResponse) => {
    const shown: MetadataResponse['topics'] = []
    for (const topic of response.topics) {
      topicNames.learn(topic.topicId, topic.name)
      // No name: an error for an id the broker does not know, which reveals nothing.
      if (topic.name === null || topic.name === '' || access.sees('topic', topic.name)) {
        shown.push(topic)
      } else if (askedNames.has(topic.name)) {
        shown.push(refused({ name: topic.name, topicId: ZERO_UUID }, version))
      } else if (askedIds.has(topic.topicId)) {
        shown.push(refused({ name: null, topicId: topic.topicId }, version))
      }
    }
    for (const topic of hidden) shown.push(refused(topic, version))
    response.topics = shown
  }
  return changed ? edited(edit) : watched(edit)
}

/**
 * Listing every topic pages by a cursor naming the next one; a cursor naming a hidden topic ends
 * the listing there (it can be neither shown nor skipped), so such a listing may come out short.
 */
export const describeTopicPartitions: Rule<DescribeTopicPartitionsRequest> = (request, ctx) => {
  const { access, topicNames, version } = ctx
  const hidden: string[] = []
  if (request.topics.length > 0) {
    const kept: DescribeTopicPartitionsRequest['topics'] = []
    for (const t of request.topics) {
      if (access.sees('topic', t.name)) kept.push(t)
      else hidden.push(t.name)
    }
    if (kept.length === 0) {
      return respond(describeTopicPartitionsError(request, version, TOPIC_AUTHORIZATION_FAILED))
    }
    request.topics = kept
  }
  const edit = (response: DescribeTopicPartitionsResponse) => {
    for (const topic of response.topics) topicNames.learn(topic.topicId, topic.name)
    response.topics = response.topics.filter((t) => t.name === null || access.sees('topic', t.name))
    for (const name of hidden) {
      response.topics.push(describeTopicPartitionsTopicError(name, TOPIC_AUTHORIZATION_FAILED))
    }
    const next = response.nextCursor
    if (next !== null && !access.sees('topic', next.topicName)) response.nextCursor = null
  }
  return hidden.length > 0 ? edited(edit) : watched(edit)
}
