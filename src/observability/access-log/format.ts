// The shape of one access log record: the observation's fields (all, or a selection), renamed as
// configured, plus static fields (an application name, an ask id...). A record is JSON.
import type { Observation } from '../observer.ts'

export interface AccessLogFormat {
  /** Fields kept, by source name; all when absent. */
  fields?: readonly string[]
  /** Source name -> output name. */
  rename: Readonly<Record<string, string>>
  /** Added to every record (after the request's fields: a static field wins on a clash). */
  static: Readonly<Record<string, string | number | boolean>>
}

/** Source fields, in the order records list them. `time` is the ISO start time. */
export const accessLogFields = [
  'time',
  'kind',
  'door',
  'listener',
  'virtualCluster',
  'route',
  'topic',
  'principal',
  'outcome',
  'reason',
  'status',
  'records',
  'bytesIn',
  'bytesOut',
  'durationMs',
  'backendMs',
  'traceId',
  'requestId',
  'client',
] as const

export type AccessLogFormatter = (observation: Observation) => Record<string, unknown>

export function accessLogFormatter(format: AccessLogFormat): AccessLogFormatter {
  const selected = format.fields ?? accessLogFields
  const names = selected.map((field) => [field, format.rename[field] ?? field] as const)
  const statics = Object.entries(format.static)
  return (observation) => {
    const source = observation as unknown as Record<string, unknown>
    const record: Record<string, unknown> = {}
    for (const [field, name] of names) {
      const value = field === 'time' ? new Date(observation.startedAt).toISOString() : source[field]
      if (value !== undefined) record[name] = value
    }
    for (const [name, value] of statics) record[name] = value
    return record
  }
}
