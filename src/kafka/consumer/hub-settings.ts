// Defaults for the hub's consumers. Group timings follow Kafka's own client defaults, except the
// fetch wait: a paused consumer looks again only after it, so it bounds how soon a slow client
// that caught up gets records again.
import type { HubSettings } from './types.ts'

export const defaultHubSettings: Readonly<HubSettings> = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 500,
  maxBytesPerPartition: 1024 * 1024,
  maxBytes: 10 * 1024 * 1024,
  lingerMs: 5000,
  startTimeoutMs: 30_000,
  stopTimeoutMs: 10_000,
  commitIntervalMs: 1000,
  maxUnackedPerSubscriber: 10_000,
  maxRestarts: 5,
}

export function hubSettings(overrides: Partial<HubSettings> = {}): HubSettings {
  const settings = { ...defaultHubSettings, ...overrides }
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`consumer hub setting ${name} must be a number >= 0, not ${value}`)
    }
  }
  if (settings.heartbeatIntervalMs >= settings.sessionTimeoutMs) {
    throw new RangeError('heartbeatIntervalMs must be below sessionTimeoutMs')
  }
  if (settings.maxUnackedPerSubscriber < 1) {
    throw new RangeError('maxUnackedPerSubscriber must be at least 1')
  }
  return settings
}
