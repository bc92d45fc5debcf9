// A virtual cluster's authentication methods as security schemes. HTTP doors read credentials
// from headers and the TLS client certificate (src/http/credentials.ts); streams also take
// `?api_key=` and `?access_token=`, which browsers need for EventSource and WebSocket
// (src/http/streams/admission.ts). SCRAM users log in over HTTP with Basic, checked against their
// SCRAM credential.
import type { AuthMethodConfig, VirtualClusterConfig } from '../../config/index.ts'

export type Door = 'produce' | 'stream'

/** One scheme, flavour-neutral; openapi.ts and asyncapi.ts write it their way. */
export type SecurityScheme =
  | { kind: 'api-key'; in: 'header' | 'query'; name: string; description: string }
  | { kind: 'bearer'; in: 'header'; description: string }
  | { kind: 'bearer'; in: 'query'; name: string; description: string }
  | { kind: 'basic'; description: string }
  | { kind: 'mtls'; description: string }

export interface Security {
  /** Every scheme by its (document-wide) name. */
  schemes: Map<string, SecurityScheme>
  /** The schemes any one of which lets a request in; empty when no credentials are needed. */
  alternatives: string[]
  /** Requests without credentials are let in too (anonymous, or no methods at all). */
  anonymous: boolean
}

/**
 * The security of one door of one virtual cluster, on a listener that asks clients for a TLS
 * certificate (`tls.clientCaFile`) or not: without, `mtls` cannot let anyone in there.
 */
export function securityOf(
  vc: VirtualClusterConfig | undefined,
  door: Door,
  clientCerts: boolean
): Security {
  const methods: readonly AuthMethodConfig[] = vc?.authentication ?? []
  const schemes = new Map<string, SecurityScheme>()
  let anonymous = methods.length === 0
  for (const method of methods) {
    switch (method.kind) {
      case 'api-key': {
        const header = method.header.toLowerCase()
        schemes.set(header === 'x-api-key' ? 'apiKey' : `apiKey-${header}`, {
          kind: 'api-key',
          in: 'header',
          name: method.header,
          description: `An API key in the ${method.header} header (or \`Authorization: ApiKey <key>\`).`,
        })
        if (door === 'stream') {
          schemes.set('apiKeyQuery', {
            kind: 'api-key',
            in: 'query',
            name: 'api_key',
            description:
              'An API key in the query, for browsers (EventSource and WebSocket cannot set headers). Query strings end up in proxy logs.',
          })
        }
        break
      }
      case 'jwt':
        schemes.set('bearer', {
          kind: 'bearer',
          in: 'header',
          description: `A JWT${method.issuer ? ` issued by ${method.issuer}` : ''}, as \`Authorization: Bearer <token>\`.`,
        })
        if (door === 'stream') {
          schemes.set('bearerQuery', {
            kind: 'bearer',
            in: 'query',
            name: 'access_token',
            description:
              'A JWT in the query, for browsers. Prefer short-lived tokens: query strings end up in proxy logs.',
          })
        }
        break
      case 'basic':
      case 'scram':
        // A SCRAM user's password is checked against its SCRAM credential: the same scheme.
        schemes.set('basic', { kind: 'basic', description: 'HTTP Basic with a configured user.' })
        break
      case 'mtls':
        if (!clientCerts) break
        schemes.set('mutualTLS', {
          kind: 'mtls',
          description: `A client certificate the listener's clientCaFile verifies; its ${method.principal === 'cn' ? 'CN' : 'subject'} names the principal.`,
        })
        break
      case 'anonymous':
        anonymous = true
        break
    }
  }
  return { schemes, alternatives: [...schemes.keys()], anonymous }
}

/** An OpenAPI 3.1 Security Scheme Object. */
export function openApiScheme(scheme: SecurityScheme): Record<string, unknown> {
  switch (scheme.kind) {
    case 'api-key':
      return { type: 'apiKey', in: scheme.in, name: scheme.name, description: scheme.description }
    case 'bearer':
      return scheme.in === 'header'
        ? { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: scheme.description }
        : { type: 'apiKey', in: 'query', name: scheme.name, description: scheme.description }
    case 'basic':
      return { type: 'http', scheme: 'basic', description: scheme.description }
    case 'mtls':
      return { type: 'mutualTLS', description: scheme.description }
  }
}

/** An AsyncAPI 3 Security Scheme Object. */
export function asyncApiScheme(scheme: SecurityScheme): Record<string, unknown> {
  switch (scheme.kind) {
    case 'api-key':
      return {
        type: 'httpApiKey',
        in: scheme.in,
        name: scheme.name,
        description: scheme.description,
      }
    case 'bearer':
      return scheme.in === 'header'
        ? { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: scheme.description }
        : { type: 'httpApiKey', in: 'query', name: scheme.name, description: scheme.description }
    case 'basic':
      return { type: 'http', scheme: 'basic', description: scheme.description }
    case 'mtls':
      return { type: 'X509', description: scheme.description }
  }
}

/** OpenAPI security requirements: any one scheme, or none at all when anonymous is allowed. */
export function openApiRequirements(security: Security): Record<string, string[]>[] {
  const list: Record<string, string[]>[] = security.alternatives.map((name) => ({ [name]: [] }))
  if (security.anonymous && list.length > 0) list.push({})
  return list
}

/** The security of an operation several virtual clusters serve: any scheme of any of them. */
export function mergeSecurity(list: readonly Security[]): Security {
  const schemes = new Map<string, SecurityScheme>()
  for (const security of list)
    for (const [name, scheme] of security.schemes) schemes.set(name, scheme)
  return {
    schemes,
    alternatives: [...schemes.keys()],
    anonymous: list.length === 0 || list.some((s) => s.anonymous),
  }
}
