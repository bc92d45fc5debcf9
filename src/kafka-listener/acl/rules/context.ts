// What every API's rule gets, and the shapes its decisions take: refused parts of a request are
// taken out and answered by the gateway (merged into the broker's response), so the allowed rest
// still reaches the broker; a request refused whole is answered here and never sent on.
import type { Operation } from '../../../core/policy-request.ts'
import { forward, type RequestDecision } from '../../filters/types.ts'
import type { Access } from '../access.ts'
import { TOPIC_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_ID } from '../error-codes.ts'
import type { TopicIdNames } from '../topic-id-names.ts'

export interface RuleContext {
  access: Access
  version: number
  topicNames: TopicIdNames
  /** The connection's own state, kept by the filter (fetch sessions). */
  connection: Map<object, unknown>
}

/** One API's rule: maps its request onto the policy engine and decides (never asynchronous). */
export type Rule<Req> = (request: Req, ctx: RuleContext) => RequestDecision

export const forwardAsIs: RequestDecision = forward

export function respond(body: unknown): RequestDecision {
  return { kind: 'respond', body }
}

/** Sends the edited request on, and `edit` what the broker answers (the request's API's response). */
export function edited<Res>(edit: (response: Res) => void): RequestDecision {
  return { kind: 'forward', changed: true, onResponse: edit as (body: unknown) => void }
}

/** Sends the request on untouched, and `edit` what the broker answers. */
export function watched<Res>(edit: (response: Res) => void): RequestDecision {
  return { kind: 'forward', changed: false, onResponse: edit as (body: unknown) => void }
}

export interface Refused<T> {
  entry: T
  code: number
}

/**
 * Takes the entries `verdict` refuses (a non-zero error code) out of a request's list: none
 * refused forwards as is; all refused answers here; otherwise the rest goes on, and the refused
 * ones are merged into the broker's answer (`into` gives the list they join).
 */
export function refuseEntries<T, R, Res>(
  entries: readonly T[],
  verdict: (entry: NoInfer<T>) => number,
  how: {
    keep(kept: T[]): void
    error(entry: NoInfer<T>, code: number): R
    answer(errors: R[]): Res
    into(response: Res): R[]
  }
): RequestDecision {
  const refused = refusals(entries, verdict)
  if (refused.length === 0) return forwardAsIs
  const errors = refused.map((r) => how.error(r.entry, r.code))
  if (refused.length === entries.length) return respond(how.answer(errors))
  const out = new Set(refused.map((r) => r.entry))
  how.keep(entries.filter((entry) => !out.has(entry)))
  return edited((response: Res) => {
    how.into(response).push(...errors)
  })
}

/** Adds a response edit to a forward decision (a local answer needs none). */
export function alsoEdit<Res>(decision: RequestDecision, edit: (response: Res) => void) {
  if (decision.kind !== 'forward') return decision
  const first = decision.onResponse
  const second = edit as (body: unknown) => void
  const onResponse =
    first === undefined
      ? second
      : (body: unknown) => {
          first(body)
          second(body)
        }
  return { ...decision, onResponse }
}

/** The entries `verdict` refuses, with its error code for each. */
export function refusals<T>(entries: readonly T[], verdict: (entry: T) => number): Refused<T>[] {
  const refused: Refused<T>[] = []
  for (const entry of entries) {
    const code = verdict(entry)
    if (code !== 0) refused.push({ entry, code })
  }
  return refused
}

/**
 * The name of a topic a request gives by name or (`byId`) by id. Undefined for an id no Metadata
 * response taught: such a topic is refused with UNKNOWN_TOPIC_ID, which Kafka clients answer by
 * refreshing their metadata (teaching the cache), where TOPIC_AUTHORIZATION_FAILED would be final.
 */
export function topicName(
  ctx: RuleContext,
  name: string,
  topicId: string,
  byId: boolean
): string | undefined {
  return byId ? ctx.topicNames.nameOf(topicId) : name
}

/** 0 when the principal may `operation` the topic, else the error code to answer with. */
export function topicVerdict(ctx: RuleContext, operation: Operation, name: string | undefined) {
  if (name === undefined) return UNKNOWN_TOPIC_ID
  const allowed =
    operation === 'describe'
      ? ctx.access.sees('topic', name)
      : ctx.access.may('topic', operation, name)
  return allowed ? 0 : TOPIC_AUTHORIZATION_FAILED
}
