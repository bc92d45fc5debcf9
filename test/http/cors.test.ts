import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/index.ts'
import { CorsPolicy, varyWithOrigin } from '../../src/http/cors.ts'
import { configIssuesOf } from '../support/config.ts'

function listenerWithCors(cors: string): string {
  return `
backendClusters:
  - name: local
    bootstrapServers: 127.0.0.1:9092
virtualClusters:
  - name: vc
    backendCluster: local
listeners:
  - name: public
    kind: http
    port: 8080
    cors: ${cors}
`
}

function policy(cors: string): CorsPolicy {
  const listener = parseConfig(listenerWithCors(cors), 'test.yaml', {}).listeners[0]
  if (listener?.kind !== 'http' || listener.cors === undefined) throw new Error('no cors')
  return new CorsPolicy(listener.cors)
}

const issuesOf = (cors: string) => configIssuesOf(listenerWithCors(cors))

describe('CorsPolicy.verdict', () => {
  const cors = policy(`{ origins: ['https://app.example.com', 'https://*.example.org'] }`)

  it('allows listed origins exactly and by glob, in any case', () => {
    expect(cors.verdict('https://app.example.com', 'gw:8080')).toBe('allowed')
    expect(cors.verdict('https://APP.example.com', 'gw:8080')).toBe('allowed')
    expect(cors.verdict('https://a.b.example.org', 'gw:8080')).toBe('allowed')
  })

  it('refuses other origins: another scheme, port, host, or the glob base itself', () => {
    for (const origin of [
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://evil.example.com',
      'https://example.org',
      'https://app.example.com.evil.net',
      'null',
    ]) {
      expect(cors.verdict(origin, 'gw:8080'), origin).toBe('refused')
    }
  })

  it('lets requests without Origin and pages of the listener itself in', () => {
    expect(cors.verdict(undefined, 'gw:8080')).toBe('absent')
    expect(cors.verdict('http://gw:8080', 'gw:8080')).toBe('allowed')
    expect(cors.verdict('http://gw:8081', 'gw:8080')).toBe('refused')
  })

  it('allows any origin with "*"', () => {
    expect(policy(`{ origins: ['*'] }`).verdict('https://any.where', 'gw')).toBe('allowed')
  })
})

describe('CorsPolicy headers', () => {
  it('echo the origin, expose the gateway headers plus the configured ones, and vary by Origin', () => {
    const cors = policy(`{ origins: ['https://app.example.com'], exposeHeaders: [X-Trace, etag] }`)
    expect(cors.responseHeaders('https://app.example.com')).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-expose-headers':
        'Location, Content-Location, Retry-After, RateLimit, RateLimit-Policy, ETag, Preference-Applied, X-Request-Id, X-Trace',
      vary: 'Origin',
    })
  })

  it('answer a preflight with methods, the asked headers, max age and credentials when set', () => {
    const cors = policy(`{ origins: ['https://app.example.com'], credentials: true }`)
    expect(cors.preflightHeaders('https://app.example.com', 'x-api-key, content-type')).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers': 'x-api-key, content-type',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    })
  })

  it('allow only the configured request headers when allowHeaders is set', () => {
    const cors = policy(
      `{ origins: ['https://app.example.com'], allowHeaders: [x-api-key, content-type], maxAgeSeconds: 60 }`
    )
    const headers = cors.preflightHeaders('https://app.example.com', 'x-api-key, x-other')
    expect(headers['access-control-allow-headers']).toBe('x-api-key, content-type')
    expect(headers['access-control-max-age']).toBe('60')
    expect(headers['access-control-allow-credentials']).toBeUndefined()
  })

  it('add Origin to a Vary a route set itself, once', () => {
    expect(varyWithOrigin('accept-encoding')).toBe('accept-encoding, Origin')
    expect(varyWithOrigin('Accept-Encoding, origin')).toBe('Accept-Encoding, origin')
    expect(varyWithOrigin('*')).toBe('*')
  })
})

describe('cors config', () => {
  it('refuses an origin with a path or trailing slash', () => {
    expect(issuesOf(`{ origins: ['https://app.example.com/'] }`)).toEqual([
      expect.objectContaining({
        path: 'listeners[0].cors.origins[0]',
        expected: expect.stringContaining('an origin: scheme://host[:port] without path'),
      }),
    ])
  })

  it('refuses credentials for any origin', () => {
    expect(issuesOf(`{ origins: ['*'], credentials: true }`)).toEqual([
      expect.objectContaining({
        path: 'listeners[0].cors.origins',
        message: expect.stringContaining('credentials with origins "*"'),
      }),
    ])
  })
})
