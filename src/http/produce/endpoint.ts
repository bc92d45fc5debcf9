// A produce endpoint as the HTTP door serves it: a configured route, or the generic
// POST /topics/{topic}. Everything the config says is compiled here once, not per request.
import type { ProduceRouteConfig, TopicsEndpointConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import { compileGlobs } from '../../core/glob.ts'
import type { HeaderReader } from '../exchange.ts'
import { headerMapper, type RequestView } from './record-fields.ts'

type Common = Omit<ProduceRouteConfig, 'name' | 'method' | 'path' | 'topic'>

export interface ProduceEndpoint extends Omit<Common, 'maxBodyBytes'> {
  /** The route's own limit, else the listener's. */
  maxBodyBytes: number
  /** The route label in metrics, logs and policy requests: its name, else `{method} {path}`. */
  name: string
  method: string
  /** The path as configured (`/orders/{id}`); spans are named `{method} {path}`. */
  path: string
  /** hono's path syntax (`:param`). */
  honoPath: string
  topicOf(request: RequestView): string
  recordHeaders(headers: HeaderReader): Record<string, Buffer>
}

export const toHonoPath = (path: string): string => path.replace(/\{([^}/]+)\}/g, ':$1')

export function routeEndpoint(
  route: ProduceRouteConfig,
  listenerMaxBodyBytes: number
): ProduceEndpoint {
  const { name, method, path, topic, ...common } = route
  const selector = topic
  let topicOf: (request: RequestView) => string
  if (typeof selector === 'string') {
    topicOf = () => selector
  } else {
    const matches = compileGlobs(selector.allowed)
    topicOf = (request) => {
      const value =
        selector.from === 'path'
          ? request.params[selector.name]
          : (request.query.get(selector.name) ?? undefined)
      if (value === undefined || value === '')
        throw new GatewayError(
          'bad-request',
          `the topic ${selector.from} parameter "${selector.name}" is missing`
        )
      if (!matches(value))
        throw new GatewayError(
          'not-found',
          `topic "${value}" is not available on ${method} ${path}`
        )
      return value
    }
  }
  return {
    ...common,
    name: name ?? `${method} ${path}`,
    maxBodyBytes: common.maxBodyBytes ?? listenerMaxBodyBytes,
    method,
    path,
    honoPath: toHonoPath(path),
    topicOf,
    recordHeaders: headerMapper(common.headers),
  }
}

export function topicsEndpoint(
  config: TopicsEndpointConfig,
  listenerMaxBodyBytes: number
): ProduceEndpoint {
  const { enabled: _enabled, allowed, ...common } = config
  const matches = compileGlobs(allowed)
  return {
    ...common,
    name: 'POST /topics/{topic}',
    maxBodyBytes: common.maxBodyBytes ?? listenerMaxBodyBytes,
    method: 'POST',
    path: '/topics/{topic}',
    honoPath: '/topics/:topic',
    topicOf: (request) => {
      const topic = request.params.topic ?? ''
      if (!matches(topic))
        throw new GatewayError('not-found', `topic "${topic}" is not available here`)
      return topic
    },
    recordHeaders: headerMapper(common.headers),
  }
}
