// Where a client asks a stream to start (`?from=` on every door, `from` in a WebSocket subscribe):
// `earliest`, `latest`, a timestamp in milliseconds since the epoch, or an ISO 8601 date-time.
import { GatewayError } from '../core/errors.ts'
import type { StreamStart } from './cursor.ts'

const MILLIS = /^\d{1,15}$/

export function parseClientStart(text: string): StreamStart {
  if (text === 'earliest' || text === 'latest') return text
  if (MILLIS.test(text)) return { timestamp: Number(text) }
  // Date.parse accepts much more than ISO 8601; insist on a date with a time and a zone.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const at = Date.parse(text)
    if (Number.isFinite(at) && at >= 0) return { timestamp: at }
  }
  throw new GatewayError(
    'bad-request',
    `"from" must be earliest, latest, milliseconds since the epoch or an ISO 8601 date-time with a zone (2026-01-31T12:00:00Z), not "${text.slice(0, 40)}"`
  )
}
