// The Kafka listener's filter chain, as one virtual cluster's configuration declares it: which
// filters run, in which order, and which API versions ApiVersions offers while each policy applies.
import { describe, expect, it } from 'vitest'
import { BackendCluster, VirtualCluster } from '../../src/config/schema/clusters.ts'
import { BrokerMap } from '../../src/kafka-listener/broker-map.ts'
import {
  kafkaListenerChain,
  responseFiltersByApi,
  type ListenerPolicies,
} from '../../src/kafka-listener/chain.ts'
import { apiByKey, apis, type ApiVersionsResponse } from '../../src/protocol/index.ts'

interface Applies {
  acls: boolean
  transforms: boolean
  schemas: boolean
}

function policies(applies: Applies): ListenerPolicies {
  const none = () => {
    throw new Error('not asked in these tests')
  }
  return {
    hasAcls: () => applies.acls,
    authorizeAcl: none,
    rateLimitCounts: () => ({ requests: false, bytes: false }),
    chargeRateLimits: none,
    hasConnectionLimits: () => false,
    admit: none,
    hasTransforms: () => applies.transforms,
    readTransform: () => undefined,
    writeTransform: () => undefined,
    hasMasks: () => false,
    recordEditsFor: () => undefined,
  }
}

function chainOf(
  config: { authentication?: unknown[]; namespace?: object; backendSasl?: boolean } = {},
  applies: Applies = { acls: false, transforms: false, schemas: false }
) {
  const { backendSasl, ...own } = config
  const vc = VirtualCluster.parse({ name: 'vc', backendCluster: 'main', ...own })
  const backend = BackendCluster.parse({
    name: 'main',
    bootstrapServers: ['127.0.0.1:9092'],
    ...(backendSasl === true && {
      sasl: { mechanism: 'plain', username: 'weir', password: 'secret' },
    }),
  })
  const validator = { applies: () => applies.schemas, forTopic: () => undefined }
  const authentication = { authenticate: async () => ({}) as never, scramLogin: noScram }
  return kafkaListenerChain(vc, backend, authentication, policies(applies), validator)
}

const noScram = () => {
  throw new Error('no SCRAM in these tests')
}

const names = (stages: readonly { name: string }[]) => stages.map((s) => s.name)

/** What the chain's ApiVersions filter offers of a backend offering every codec version. */
function offered(chain: ReturnType<typeof chainOf>): Map<string, { min: number; max: number }> {
  const body: ApiVersionsResponse = apis.apiVersions.defaultResponse()
  body.apiKeys = [...apiByKey.values()].map((api) => ({
    apiKey: api.key,
    minVersion: api.minVersion,
    maxVersion: api.maxVersion,
    _tagged: undefined,
  })) as ApiVersionsResponse['apiKeys']
  const filters = responseFiltersByApi(chain).get(apis.apiVersions.key) ?? []
  const context = {
    brokers: new BrokerMap({ advertisedHost: 'localhost', brokerPortBase: 1 }),
    state: { principal: undefined, scratch: new Map() },
  }
  for (const filter of filters) filter.onResponse(body, 3, context)
  return new Map(
    body.apiKeys.map((e) => [
      apiByKey.get(e.apiKey)?.name ?? '',
      { min: e.minVersion, max: e.maxVersion },
    ])
  )
}

describe('the Kafka listener chain', () => {
  it('runs every configured request filter in the declared order', () => {
    const chain = chainOf(
      { authentication: [{ kind: 'anonymous' }], namespace: { prefix: 'tenant.' } },
      { acls: true, transforms: true, schemas: true }
    )
    expect(names(chain.requests)).toEqual([
      'authentication',
      'connection-limit',
      'acl',
      'quota',
      'schema-validation',
      'transform',
      'namespace',
    ])
    expect(names(chain.responses)).toEqual([
      'cluster-id',
      'namespace',
      'broker-addresses',
      'api-versions',
    ])
  })

  it('leaves out what the virtual cluster does not configure', () => {
    const chain = kafkaListenerChain(
      VirtualCluster.parse({ name: 'vc', backendCluster: 'main' }),
      BackendCluster.parse({ name: 'main', bootstrapServers: ['127.0.0.1:9092'] }),
      { authenticate: async () => ({}) as never, scramLogin: noScram },
      { ...policies({ acls: false, transforms: false, schemas: false }), hasTransforms: undefined }
    )
    expect(names(chain.requests)).toEqual(['connection-limit', 'acl', 'quota'])
    expect(names(chain.responses)).toEqual(['cluster-id', 'broker-addresses', 'api-versions'])
    expect(chain.authenticated).toBeUndefined()
  })

  it('watches the broker accept a client when SASL passes through to it', () => {
    const chain = chainOf({ backendSasl: true })
    expect(names(chain.responses)).toEqual([
      'cluster-id',
      'backend-sasl',
      'broker-addresses',
      'api-versions',
    ])
    expect(chain.authenticated).toBeTypeOf('function')
  })

  it("edits one API's response in stage order: cluster id, namespace, broker addresses", () => {
    const chain = chainOf({ namespace: { prefix: 'tenant.' } })
    const metadata = responseFiltersByApi(chain).get(apis.metadata.key)
    const stageOf = (filter: unknown) =>
      chain.responses.find((stage) => stage.filters.includes(filter as never))?.name
    expect(metadata?.map(stageOf)).toEqual(['cluster-id', 'namespace', 'broker-addresses'])
  })
})

describe("the chain's API version caps", () => {
  const codec = (name: keyof typeof apis) => {
    const api = apis[name]
    return api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion
  }

  it('offers what the codec speaks while no policy applies', () => {
    const versions = offered(chainOf())
    expect(versions.get('Produce')).toEqual({ min: 3, max: codec('produce') })
    expect(versions.get('Fetch')?.max).toBe(codec('fetch'))
    expect(versions.get('DescribeAcls')).toBeDefined()
    expect(versions.get('ShareFetch')).toBeDefined()
  })

  it('holds Produce to the versions naming topics while a schema policy applies', () => {
    const versions = offered(chainOf({}, { acls: false, transforms: false, schemas: true }))
    expect(versions.get('Produce')?.max).toBe(12)
    expect(versions.get('Fetch')?.max).toBe(codec('fetch'))
  })

  it('holds Produce and Fetch to the versions naming topics while a transform applies', () => {
    const versions = offered(chainOf({}, { acls: false, transforms: true, schemas: false }))
    expect(versions.get('Produce')?.max).toBe(12)
    expect(versions.get('Fetch')?.max).toBe(12)
    expect(versions.get('OffsetCommit')?.max).toBe(codec('offsetCommit'))
  })

  it('removes what ACLs refuse outright, asked again at each ApiVersions', () => {
    const applies = { acls: false, transforms: false, schemas: false }
    const chain = chainOf({}, applies)
    expect(offered(chain).get('DescribeAcls')).toBeDefined()
    applies.acls = true
    const versions = offered(chain)
    expect(versions.get('DescribeAcls')).toBeUndefined()
    expect(versions.get('ShareGroupHeartbeat')).toBeUndefined()
    expect(versions.get('Produce')?.max).toBe(codec('produce'))
  })

  it('holds a namespace to versions naming topics, without unsafe or id-only APIs', () => {
    const versions = offered(chainOf({ namespace: { prefix: 'tenant.' } }))
    expect(versions.get('Produce')?.max).toBe(12)
    expect(versions.get('Fetch')?.max).toBe(12)
    expect(versions.get('OffsetCommit')?.max).toBe(9)
    expect(versions.get('OffsetFetch')?.max).toBe(9)
    for (const gone of ['ShareGroupHeartbeat', 'ShareFetch', 'ShareAcknowledge', 'CreateAcls']) {
      expect(versions.get(gone), gone).toBeUndefined()
    }
    expect(versions.get('Metadata')?.max).toBe(codec('metadata'))
  })
})
