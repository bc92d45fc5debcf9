// ApiVersions, answered with what both the backend and Weir's codec speak. An API the codec does
// not know is removed, and each version range is narrowed to the codec's: a client never picks a
// version the gateway could not read, which is how other proxies break on each Kafka release.
// The policies' caps (version-caps.ts) narrow it further. Two exceptions keep clients working:
// - Produce keeps the broker's advertised minimum: v0-2 pass undecoded (version-caps.ts says why).
// - The newest version of an API Kafka marks unstable is not offered, as brokers do not.
import { apiByKey, apis } from '../../protocol/index.ts'
import type { VersionCap } from '../version-caps.ts'
import { responseFilter } from './by-api.ts'
import type { ResponseFilter } from './types.ts'

const PRODUCE = apis.produce.key

/** `cap`: further limits on top of the codec's, the policies' (see version-caps.ts). */
export function apiVersionsFilter(cap: VersionCap = () => undefined): ResponseFilter {
  return responseFilter('apiVersions', {
    onResponse(body) {
      if (body.errorCode !== 0) return false
      const kept = []
      for (const entry of body.apiKeys) {
        const api = apiByKey.get(entry.apiKey)
        const limit = cap(entry.apiKey)
        if (api === undefined || limit === 'remove') continue
        const ours = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion
        const min =
          entry.apiKey === PRODUCE ? entry.minVersion : Math.max(entry.minVersion, api.minVersion)
        const max = Math.min(entry.maxVersion, ours, limit?.max ?? Infinity)
        if (min > max) continue
        kept.push({ ...entry, minVersion: min, maxVersion: max })
      }
      body.apiKeys = kept
      return true
    },
  })
}
