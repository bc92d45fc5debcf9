// ApiVersions as clients see it: what the backend speaks, narrowed to what the codec reads.
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import { apiVersionsFilter } from '../../../src/kafka-listener/filters/api-versions.ts'
import { apiByKey, apis, type ApiVersionsResponse } from '../../../src/protocol/index.ts'

type Entry = ApiVersionsResponse['apiKeys'][number]

const context = {
  brokers: new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9093 }),
  state: { principal: undefined, scratch: new Map() },
}

function filtered(
  apiKeys: Entry[],
  cap?: Parameters<typeof apiVersionsFilter>[0]
): { changed: boolean; apiKeys: Entry[] } {
  const body: ApiVersionsResponse = { ...apis.apiVersions.defaultResponse(), apiKeys }
  const changed = apiVersionsFilter(cap).onResponse(body, 4, context)
  return { changed, apiKeys: body.apiKeys }
}

const entry = (apiKey: number, minVersion: number, maxVersion: number): Entry => ({
  apiKey,
  minVersion,
  maxVersion,
})

/** Keys Kafka 4.1 marks as having an unstable latest version, for the test below. */
const unstable = [...apiByKey.values()].filter((api) => api.latestVersionUnstable)

describe('apiVersionsFilter', () => {
  it('removes API keys the codec does not know', () => {
    const { apiKeys } = filtered([entry(3, 0, 13), entry(999, 0, 1), entry(4, 0, 7)])
    // 4 (LeaderAndIsr) is retired: Kafka 4 no longer has a schema for it.
    expect(apiKeys).toEqual([entry(3, 0, 13)])
  })

  it('narrows ranges to the codec, on both ends', () => {
    const fetch = apis.fetch
    const { apiKeys } = filtered([entry(1, 0, fetch.maxVersion + 5), entry(3, 1, 2)])
    expect(apiKeys).toEqual([entry(1, fetch.minVersion, fetch.maxVersion), entry(3, 1, 2)])
  })

  it("keeps the broker's Produce minimum below the codec's (librdkafka needs v0 offered)", () => {
    expect(apis.produce.minVersion).toBeGreaterThan(0)
    const { apiKeys } = filtered([entry(0, 0, 99)])
    expect(apiKeys).toEqual([entry(0, 0, apis.produce.maxVersion)])
  })

  it('does not offer the newest version of APIs Kafka marks unstable', () => {
    expect(unstable.length).toBeGreaterThan(0)
    const withRoom = unstable.filter((api) => api.maxVersion > api.minVersion)
    const { apiKeys } = filtered(withRoom.map((api) => entry(api.key, 0, api.maxVersion)))
    expect(apiKeys).toEqual(
      withRoom.map((api) => entry(api.key, api.minVersion, api.maxVersion - 1))
    )
  })

  it('removes an API whose narrowed range is empty', () => {
    const onlyUnstable = unstable.find((api) => api.maxVersion === api.minVersion)
    const fetch = apis.fetch
    const keys = [entry(fetch.key, 0, fetch.minVersion - 1), entry(3, 5, 5)]
    if (onlyUnstable)
      keys.push(entry(onlyUnstable.key, onlyUnstable.minVersion, onlyUnstable.maxVersion))
    expect(filtered(keys).apiKeys).toEqual([entry(3, 5, 5)])
  })

  it('applies a further cap, or removes what the cap says to', () => {
    const { apiKeys } = filtered([entry(3, 0, 13), entry(1, 4, 18), entry(10, 0, 6)], (key) =>
      key === 3 ? { max: 9 } : key === 1 ? 'remove' : undefined
    )
    expect(apiKeys).toEqual([entry(3, 0, 9), entry(10, 0, 6)])
  })

  it('leaves an error response alone', () => {
    const body: ApiVersionsResponse = {
      ...apis.apiVersions.defaultResponse(),
      errorCode: 35,
      apiKeys: [entry(18, 0, 99)],
    }
    expect(apiVersionsFilter().onResponse(body, 0, context)).toBe(false)
    expect(body.apiKeys).toEqual([entry(18, 0, 99)])
  })
})
