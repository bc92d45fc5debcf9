// The `state:` section (a shared store for rate limits and Idempotency-Key): optional, with its
// defaults; a rate-limit policy's own `onUnavailable`; the password a secret like every other.
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { redactSecrets } from '../../../src/control/secrets.ts'
import { configIssuesOf } from '../../support/config.ts'

const config = (more: string) => `
backendClusters: [{ name: local, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters: [{ name: vc, backendCluster: local }]
listeners: [{ name: public, kind: http, port: 8080 }]
${more}
`

const issuesOf = configIssuesOf

describe('state section', () => {
  it('is absent unless set: every node keeps its own', () => {
    expect(parseConfig(config(''), 't', {}).state).toBeUndefined()
  })

  it('reads a redis store with its defaults, the password from the environment', () => {
    const text = config(`state:
  kind: redis
  url: redis://redis.internal:6379/2
  password: \${REDIS_PASSWORD}
policies:
  - { name: strict, kind: rate-limit, requestsPerSecond: 5, onUnavailable: fail-closed }
  - { name: loose, kind: rate-limit, requestsPerSecond: 5 }
  - { name: conns, kind: connection-limit, maxConnections: 5, onUnavailable: fail-closed }`)
    const parsed = parseConfig(text, 't', { REDIS_PASSWORD: 'hunter2' })
    expect(parsed.state).toEqual({
      kind: 'redis',
      url: 'redis://redis.internal:6379/2',
      password: 'hunter2',
      keyPrefix: 'weir:',
      connectTimeoutMs: 2_000,
      commandTimeoutMs: 250,
      connectionLeaseMs: 15_000,
      onUnavailable: 'fail-open',
    })
    // A policy without its own takes the state section's (the engine applies it).
    expect(parsed.policies.map((p) => ('onUnavailable' in p ? p.onUnavailable : '-'))).toEqual([
      'fail-closed',
      '-',
      'fail-closed',
    ])
    expect(JSON.stringify(redactSecrets(parsed))).not.toContain('hunter2')
  })

  it('refuses a url that is not redis:// or rediss://, an unknown failure mode and a lease shorter than a renewal can keep', () => {
    const issues = issuesOf(
      config(
        `state: { kind: redis, url: 'http://127.0.0.1:6379', connectionLeaseMs: 100, onUnavailable: fail-soft }`
      )
    )
    expect(issues.map((i) => i.path)).toEqual([
      'state.url',
      'state.connectionLeaseMs',
      'state.onUnavailable',
    ])
  })
})
