// RFC 7240 `Prefer` as the Kafka-backed resources read it: `respond-async` (answer 202 now, fetch
// the reply later) and `wait=N` (seconds a request may be held for an answer that changes).

export interface Preferences {
  respondAsync: boolean
  /** Milliseconds, when the client gave a valid `wait`. */
  waitMs?: number
}

/** Reads every `Prefer` header (a list may come as one header or many); unknown ones are ignored. */
export function parsePrefer(header: string | null | undefined): Preferences {
  const result: Preferences = { respondAsync: false }
  if (!header) return result
  for (const item of header.split(',')) {
    // Parameters after `;` refine a preference; neither of ours takes any.
    const [token = ''] = item.split(';')
    const eq = token.indexOf('=')
    const name = (eq === -1 ? token : token.slice(0, eq)).trim().toLowerCase()
    const value = eq === -1 ? undefined : unquote(token.slice(eq + 1).trim())
    if (name === 'respond-async') result.respondAsync = true
    else if (name === 'wait' && value !== undefined && /^\d{1,9}$/.test(value)) {
      result.waitMs = Number(value) * 1000
    }
  }
  return result
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value
}

/** How long to hold a request: what the client asked, within the configured limit. */
export function waitFor(preferences: Preferences, maxMs: number): number {
  return Math.min(preferences.waitMs ?? 0, maxMs)
}
