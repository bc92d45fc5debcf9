// Builders shared by the policy tests: requests, principals and whole configs with defaults.
import { WeirConfigSchema, type WeirConfig } from '../../src/config/schema/index.ts'
import type { PolicyRequest } from '../../src/core/policy-request.ts'
import type { Principal } from '../../src/core/principal.ts'
import type { AclRequest } from '../../src/policy/acl.ts'

export function principal(name: string, roles: readonly string[] = []): Principal {
  return { name, method: 'api-key', roles }
}

export function request(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    door: 'http',
    operation: 'produce',
    virtualCluster: 'vc',
    resources: [{ type: 'topic', name: 'orders' }],
    principal: principal('alice'),
    records: 1,
    bytes: 100,
    ...overrides,
  }
}

/** One operation on one resource, as an ACL judges it. */
export function aclRequest(overrides: Partial<AclRequest> = {}): AclRequest {
  return {
    operation: 'produce',
    resource: { type: 'topic', name: 'orders' },
    principal: principal('alice'),
    ...overrides,
  }
}

/** A valid config around the given policies and virtual clusters (one `vc` by default). */
export function config(input: {
  policies?: readonly unknown[]
  virtualClusters?: readonly Record<string, unknown>[]
}): WeirConfig {
  return WeirConfigSchema.parse({
    backendClusters: [{ name: 'local', bootstrapServers: '127.0.0.1:9092' }],
    virtualClusters: (input.virtualClusters ?? [{ name: 'vc' }]).map((vc) => ({
      backendCluster: 'local',
      ...vc,
    })),
    listeners: [{ name: 'public', kind: 'http', port: 0 }],
    policies: input.policies ?? [],
  })
}

/** A clock tests move by hand. */
export function manualClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let time = start
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    },
  }
}
