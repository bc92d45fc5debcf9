// A virtual cluster's namespace on the Kafka path: client names become backend names in every
// request that carries topics, group ids or transactional ids, and come back in responses, where
// other tenants' names are dropped. A request that names something outside the namespace (or
// uses an API that cannot be namespaced) is refused by closing the connection, as a broker does
// for a request it will not serve; such APIs are not offered in ApiVersions in the first place.
// The one refusal answered instead is a KIP-848 subscription regex that cannot be confined: the
// broker itself answers a regex it cannot use with INVALID_REGULAR_EXPRESSION, which a client
// reports to its application, where a closed connection would only have it retry forever.
import type { VirtualClusterConfig } from '../../config/index.ts'
import { apis } from '../../protocol/index.ts'
import { createNameMapper } from '../../namespace/index.ts'
import {
  namespacedApiKeys,
  rewriteRequest,
  rewriteResponse,
  type OutsideName,
} from '../namespace/index.ts'
import type { RequestDecision, RequestFilter, ResponseFilter } from './types.ts'

const CONSUMER_GROUP_HEARTBEAT = 68
const INVALID_REGULAR_EXPRESSION = 128

export interface NamespaceFilters {
  request: RequestFilter
  responses: ResponseFilter[]
}

export function namespaceFilters(
  namespace: NonNullable<VirtualClusterConfig['namespace']>
): NamespaceFilters {
  const mapper = createNameMapper(namespace)
  const keys = namespacedApiKeys()
  const request: RequestFilter = {
    wants: (apiKey) => keys.has(apiKey),
    onRequest(body, header) {
      const { requestApiKey, requestApiVersion } = header
      const rewrite = rewriteRequest(requestApiKey, requestApiVersion, body as object, mapper)
      if (rewrite.outside.length > 0) {
        const names = rewrite.outside.map((o) => `${o.kind} "${o.name}"`).join(', ')
        const reason = `outside the virtual cluster's namespace: ${names}`
        if (requestApiKey === CONSUMER_GROUP_HEARTBEAT && onlyRegexes(rewrite.outside)) {
          return invalidRegex(reason)
        }
        return { kind: 'close', reason }
      }
      return { kind: 'forward', changed: rewrite.changed }
    },
  }
  // Every API that carries names, so one filter for any of them: the rewrite walks each by schema.
  const responses = [...keys].map((apiKey): ResponseFilter => ({
    apiKey,
    onResponse: (body, version) => rewriteResponse(apiKey, version, body as object, mapper),
  }))
  return { request, responses }
}

function onlyRegexes(outside: readonly OutsideName[]): boolean {
  return outside.every((o) => o.kind === 'topicRegex')
}

function invalidRegex(reason: string): RequestDecision {
  const body = apis.consumerGroupHeartbeat.defaultResponse()
  body.errorCode = INVALID_REGULAR_EXPRESSION
  body.errorMessage =
    `${reason}: a regex must be one balanced expression, without \\Q...\\E or [:class:], ` +
    'and the namespace must hide its prefix'
  return { kind: 'respond', body }
}
