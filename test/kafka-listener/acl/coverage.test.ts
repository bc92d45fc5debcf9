// No API bypasses the ACLs silently: every API key the codec knows is either mapped onto the
// policy engine by a rule, or listed as exempt or denied with the reason why.
import { describe, expect, it } from 'vitest'
import { coverage } from '../../../src/kafka-listener/acl/index.ts'
import { apiByKey } from '../../../src/protocol/index.ts'

describe('ACL coverage', () => {
  it.each([...apiByKey.values()].map((api) => [api.name, api.key] as const))(
    '%s (%i) is covered, or exempt or denied with a reason',
    (_name, key) => {
      const entry = coverage.get(key)
      expect(entry, `API ${key} is missing from the ACL coverage table`).toBeDefined()
      if (entry?.kind === 'exempt' || entry?.kind === 'denied') {
        expect(entry.reason.length).toBeGreaterThan(20)
      }
    }
  )

  it('lists no API the codec does not know', () => {
    expect([...coverage.keys()].filter((key) => !apiByKey.has(key))).toEqual([])
  })

  it('exempts only what names no topic, group or transactional id', () => {
    const exempt = [...coverage].filter(([, c]) => c.kind === 'exempt').map(([key]) => key)
    // SaslHandshake, ApiVersions, SaslAuthenticate, DescribeCluster, client telemetry.
    expect(exempt.sort((a, b) => a - b)).toEqual([17, 18, 36, 60, 71, 72])
  })

  it('refuses group-shaped APIs it does not map yet with GROUP_AUTHORIZATION_FAILED', () => {
    for (const key of [76, 77, 78, 79, 88, 89, 90, 91, 92]) {
      expect(coverage.get(key)).toMatchObject({ kind: 'denied', code: 30 })
    }
    expect(coverage.get(29)).toMatchObject({ kind: 'denied', code: 31 })
  })
})
