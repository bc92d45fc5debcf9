// ISO-8601 text for Avro's time logical types: instants, local date-times, dates and times of day,
// parsed exactly (to the nanosecond, with bigint) so no unit silently loses digits.

const dateTime =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/
const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/
const timeOnly = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/

export type TimeUnit = 'millis' | 'micros' | 'nanos'

const perSecond: Record<TimeUnit, bigint> = {
  millis: 1000n,
  micros: 1_000_000n,
  nanos: 1_000_000_000n,
}
const msPerDay = 86_400_000

/**
 * Text to a count of `unit` since the epoch. `zone`: required for instants (timestamp-*),
 * forbidden for local date-times. Returns undefined when the text is not such a date-time, or
 * has more fractional digits than the unit holds.
 */
export function parseDateTime(text: string, unit: TimeUnit, zone: boolean): bigint | undefined {
  const m = dateTime.exec(text)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s = '0', fraction = '', offset] = m
  if ((offset !== undefined) !== zone) return undefined
  const seconds = utcSeconds(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s))
  if (seconds === undefined) return undefined
  const sub = subSecond(fraction, unit)
  if (sub === undefined) return undefined
  return (seconds - offsetSeconds(offset)) * perSecond[unit] + sub
}

/** `YYYY-MM-DD` to days since the epoch. */
export function parseDate(text: string): number | undefined {
  const m = dateOnly.exec(text)
  if (!m) return undefined
  const seconds = utcSeconds(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0)
  return seconds === undefined ? undefined : Number(seconds) / 86_400
}

/** `HH:MM[:SS[.fff]]` to a count of `unit` since midnight. */
export function parseTime(text: string, unit: TimeUnit): bigint | undefined {
  const m = timeOnly.exec(text)
  if (!m) return undefined
  const [, h, mi, s = '0', fraction = ''] = m
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined
  const sub = subSecond(fraction, unit)
  if (sub === undefined) return undefined
  return BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s)) * perSecond[unit] + sub
}

/** Days since the epoch of a Date (UTC). */
export function daysOf(date: Date): number {
  return Math.floor(date.getTime() / msPerDay)
}

export function unitsOf(date: Date, unit: TimeUnit): bigint {
  return (BigInt(date.getTime()) * perSecond[unit]) / 1000n
}

function utcSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number) {
  if (h > 23 || mi > 59 || s > 59) return undefined
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(ms)
  // Date.UTC rolls 2024-02-30 over into March; a date that does not come back is not a date.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined
  }
  return BigInt(ms / 1000)
}

function subSecond(fraction: string, unit: TimeUnit): bigint | undefined {
  const digits = unit === 'millis' ? 3 : unit === 'micros' ? 6 : 9
  const kept = fraction.replace(/0+$/, '')
  if (kept.length > digits) return undefined
  return BigInt(kept.padEnd(digits, '0') || '0')
}

function offsetSeconds(offset: string | undefined): bigint {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0n
  const sign = offset.startsWith('-') ? -1n : 1n
  const digits = offset.slice(1).replace(':', '')
  return sign * BigInt(Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60)
}
