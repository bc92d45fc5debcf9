// Shared by the ACL filter tests: a real PolicyEngine from a parsed config, a connection state
// with a principal, and messages that went through the codec both ways, so the tests see what
// the listener's filters see and prove that whatever the filter sends or answers still encodes.
import { expect } from 'vitest'
import type { Principal } from '../../../src/core/principal.ts'
import type {
  ConnectionState,
  RequestDecision,
  RequestFilter,
} from '../../../src/kafka-listener/filters/types.ts'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import { aclFilter, TopicIdNames, type AclPolicies } from '../../../src/kafka-listener/acl/index.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import {
  apiByKey,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  messageSchemas,
  ZERO_UUID,
  type ApiDefinition,
  type FieldSchema,
  type MessageSchema,
} from '../../../src/protocol/index.ts'
import { config } from '../../policy/fixtures.ts'

type Struct = Record<string, unknown>

export interface AclRuleInput {
  effect?: 'allow' | 'deny'
  principals?: string[]
  resource?: 'topic' | 'group' | 'transactional-id'
  names: string[]
  operations: string[]
}

/** A PolicyEngine whose virtual cluster `vc` has one ACL policy of these rules (none: open). */
export function engineWith(rules: readonly AclRuleInput[]): PolicyEngine {
  const policies =
    rules.length === 0
      ? []
      : [
          {
            name: 'kafka-acl',
            kind: 'acl',
            rules: rules.map((r) => ({ principals: ['alice'], ...r })),
          },
        ]
  return new PolicyEngine(
    config({ policies, virtualClusters: [{ name: 'vc', policies: policies.map((p) => p.name) }] })
  )
}

/** Stands for the listener's delegate to the current engine: swapped on a reload. */
export class CurrentEngine implements AclPolicies {
  engine: PolicyEngine
  constructor(engine: PolicyEngine) {
    this.engine = engine
  }
  authorizeAcl: AclPolicies['authorizeAcl'] = (request) => this.engine.authorizeAcl(request)
  hasAcls: AclPolicies['hasAcls'] = (vc) => this.engine.hasAcls(vc)
}

export const alice: Principal = { name: 'alice', method: 'sasl', roles: [] }

function schemaOf(api: ApiDefinition, kind: 'Request' | 'Response'): MessageSchema {
  const schema = messageSchemas[`${api.name}${kind}`]
  if (schema === undefined) throw new Error(`no schema for ${api.name}${kind}`)
  return schema
}

function primitive(field: FieldSchema): unknown {
  if (field.default !== undefined) return field.default
  if (field.type === 'string') return ''
  if (field.type === 'bool') return false
  if (field.type === 'int64') return 0n
  if (field.type === 'uuid') return ZERO_UUID
  if (field.type === 'bytes' || field.type === 'records') {
    return field.nullableVersions ? null : Buffer.alloc(0)
  }
  return 0
}

/**
 * `partial` with every field it leaves out at its default, nested structs too. Fields the version
 * lacks are set to their defaults whatever `partial` says, so one sample serves every version.
 */
export function complete(
  schema: MessageSchema,
  struct: string,
  partial: Struct,
  version: number
): Struct {
  const out: Struct = {}
  for (const field of schema.structs[struct] ?? []) {
    const inVersion = version >= field.versions[0] && version <= field.versions[1]
    const given = inVersion ? partial[field.name] : undefined
    const array = field.type.startsWith('[]')
    const element = array ? field.type.slice(2) : field.type
    const nested = element in schema.structs
    if (given === null) out[field.name] = null
    else if (array) {
      const items = (given as unknown[] | undefined) ?? []
      out[field.name] = nested
        ? items.map((i) => complete(schema, element, i as Struct, version))
        : items
    } else if (nested) {
      out[field.name] =
        given === undefined && field.default === null
          ? null
          : complete(schema, element, (given as Struct) ?? {}, version)
    } else out[field.name] = given ?? primitive(field)
  }
  return out
}

export function apiOf(apiKey: number): ApiDefinition {
  const api = apiByKey.get(apiKey)
  if (api === undefined) throw new Error(`no API ${apiKey}`)
  return api
}

/** A request as a broker (or the filter) decodes it from the wire. */
export function wireRequest<Req>(apiKey: number, version: number, partial: Struct): Req {
  const api = apiOf(apiKey)
  const body = complete(schemaOf(api, 'Request'), api.name + 'Request', partial, version)
  const header = {
    requestApiKey: apiKey,
    requestApiVersion: version,
    correlationId: 1,
    clientId: 't',
  }
  return decodeRequest(encodeRequest(api, header, body).subarray(4)).body as Req
}

/** A response body as a client decodes it: encoded at `version` (so it must be valid), decoded. */
export function onTheWire<Res>(apiKey: number, version: number, body: unknown): Res {
  const api = apiOf(apiKey)
  const framed = encodeResponse(api, version, { correlationId: 1 }, body)
  return decodeResponse(api, version, framed.subarray(4)).body as Res
}

export function wireResponse<Res>(apiKey: number, version: number, partial: Struct): Res {
  const api = apiOf(apiKey)
  return onTheWire(
    apiKey,
    version,
    complete(schemaOf(api, 'Response'), api.name + 'Response', partial, version)
  )
}

export interface Outcome<Req, Res> {
  decision: RequestDecision
  /** What the broker receives (forward only), through the codec. */
  sent(): Req
  /** The gateway's own answer (respond only), as the client decodes it. */
  local(): Res
  /** The client's view of the broker answering `partial` (forward only). */
  answer(partial: Struct): Res
}

export interface Harness {
  filter: RequestFilter
  policies: CurrentEngine
  topicNames: TopicIdNames
  state: ConnectionState
  run<Req = never, Res = never>(apiKey: number, version: number, partial: Struct): Outcome<Req, Res>
}

export function harness(
  rules: readonly AclRuleInput[],
  /** null: no principal established (the authentication gate has not run). */
  principal: Principal | null = alice
): Harness {
  const policies = new CurrentEngine(engineWith(rules))
  const topicNames = new TopicIdNames()
  const state: ConnectionState = { principal: principal ?? undefined, scratch: new Map() }
  const filter = aclFilter({ policies, virtualCluster: 'vc', topicNames })
  const context = {
    brokers: new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9100 }),
    state,
  }
  return {
    filter,
    policies,
    topicNames,
    state,
    run<Req, Res>(apiKey: number, version: number, partial: Struct): Outcome<Req, Res> {
      const request = wireRequest<Req>(apiKey, version, partial)
      const header = {
        requestApiKey: apiKey,
        requestApiVersion: version,
        correlationId: 1,
        clientId: 't',
      }
      expect(filter.wants(apiKey, version, state)).toBe(true)
      const decision = filter.onRequest(request, header, context) as RequestDecision
      if (decision instanceof Promise) throw new Error('the ACL filter is synchronous')
      return {
        decision,
        sent() {
          if (decision.kind !== 'forward') throw new Error(`not forwarded: ${decision.kind}`)
          const api = apiOf(apiKey)
          return decodeRequest(encodeRequest(api, header, request).subarray(4)).body as Req
        },
        local() {
          if (decision.kind !== 'respond') throw new Error(`not answered here: ${decision.kind}`)
          return onTheWire<Res>(apiKey, version, decision.body)
        },
        answer(partial) {
          if (decision.kind !== 'forward') throw new Error(`not forwarded: ${decision.kind}`)
          const response = wireResponse<Res>(apiKey, version, partial)
          decision.onResponse?.(response)
          return onTheWire<Res>(apiKey, version, response)
        },
      }
    },
  }
}

/** The allow rule most tests start from. */
export function allow(
  resource: AclRuleInput['resource'],
  names: string[],
  operations: string[]
): AclRuleInput {
  return { resource, names, operations }
}
