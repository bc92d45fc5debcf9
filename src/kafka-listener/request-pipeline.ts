// Runs the request filters that want a request, in order, and folds their decisions into one:
// the first `respond` or `close` wins; forwards accumulate (changed if any changed, every
// response edit kept). Stays synchronous while the filters are, so a request no filter waits on
// costs no promise.
import type { RequestHeader } from '../protocol/index.ts'
import type {
  FilterContext,
  RequestDecision,
  RequestFilter,
  ResponseEdit,
} from './filters/types.ts'

export function runRequestFilters(
  filters: readonly RequestFilter[],
  body: unknown,
  header: RequestHeader,
  context: FilterContext
): RequestDecision | Promise<RequestDecision> {
  const edits: ResponseEdit[] = []
  let changed = false
  const fold = (index: number): RequestDecision | Promise<RequestDecision> => {
    for (let i = index; i < filters.length; i++) {
      const filter = filters[i] as RequestFilter
      if (!filter.wants(header.requestApiKey, header.requestApiVersion, context.state)) continue
      const decision = filter.onRequest(body, header, context)
      if (decision instanceof Promise) {
        return decision.then((d) => (d.kind === 'forward' ? (take(d), fold(i + 1)) : d))
      }
      if (decision.kind !== 'forward') return decision
      take(decision)
    }
    return edits.length === 0
      ? { kind: 'forward', changed }
      : {
          kind: 'forward',
          changed,
          onResponse: edits.length === 1 ? edits[0] : (response) => applyEdits(edits, response),
        }
  }
  const take = (decision: Extract<RequestDecision, { kind: 'forward' }>) => {
    changed ||= decision.changed
    if (decision.onResponse) edits.push(decision.onResponse)
  }
  return fold(0)
}

/** The edits in order; asynchronous only from the first that is. */
function applyEdits(
  edits: readonly ResponseEdit[],
  response: unknown,
  from = 0
): void | Promise<void> {
  for (let i = from; i < edits.length; i++) {
    const done = (edits[i] as ResponseEdit)(response)
    if (done instanceof Promise) return done.then(() => applyEdits(edits, response, i + 1))
  }
}
