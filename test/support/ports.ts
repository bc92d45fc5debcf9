// Free TCP ports for listeners that need known port numbers (a Kafka listener maps broker N to
// base + N, so it cannot take port 0).
//
// They come from outside the OS's ephemeral range: the kernel hands those out on its own, to
// every outgoing connection and every port-0 listener of any process, so a port found free
// there can be taken by someone's connection before the listener binds it.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

export interface PortSpan {
  low: number
  high: number
}

/**
 * An address nobody listens on, for "unreachable" (connection refused at once): port 1 is never
 * served here. A port found free instead can be taken meanwhile by another process's port-0
 * listener (a Kafka listener of a test run beside this one, say), which may take the connection
 * and never answer it: a data plane's control plane fetch once waited 10 s on one.
 */
export const NOBODY = '127.0.0.1:1'

/** Lowest port handed out; below are the well-known and popular registered ports. */
const LOWEST = 20_000
const HIGHEST = 65_535

/** The ports the OS assigns by itself (Linux's setting; IANA's dynamic range elsewhere). */
export function ephemeralPorts(): PortSpan {
  try {
    const text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    const [low, high] = text.trim().split(/\s+/).map(Number)
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! }
  } catch {
    // Not Linux.
  }
  return { low: 49_152, high: 65_535 }
}

/**
 * The first of `count` consecutive ports, none of them ephemeral, for `random` in [0, 1):
 * uniform over the starts below the ephemeral range and above it.
 */
export function rangeStart(random: number, count: number, ephemeral: PortSpan): number {
  const spans: PortSpan[] = [
    { low: LOWEST, high: Math.min(ephemeral.low - count, HIGHEST - count + 1) },
    { low: Math.max(ephemeral.high + 1, LOWEST), high: HIGHEST - count + 1 },
  ].filter((s) => s.high >= s.low)
  const total = spans.reduce((sum, s) => sum + s.high - s.low + 1, 0)
  if (total === 0)
    throw new Error(`no ${count} consecutive ports outside ${ephemeral.low}-${ephemeral.high}`)
  let offset = Math.floor(random * total)
  for (const span of spans) {
    const size = span.high - span.low + 1
    if (offset < size) return span.low + offset
    offset -= size
  }
  throw new Error('unreachable: offset beyond the spans')
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** The first of `count` consecutive free ports outside the ephemeral range, from a random start. */
export async function freePortRange(count: number): Promise<number> {
  const ephemeral = ephemeralPorts()
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = rangeStart(Math.random(), count, ephemeral)
    let free = true
    for (let port = start; port < start + count && free; port++) free = await canBind(port)
    if (free) return start
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

/**
 * `start(port)` on `count` consecutive free ports, on new ones if someone bound one of them
 * between the check and the start (another test's picker, say).
 */
export async function onFreePorts<T>(
  count: number,
  start: (port: number) => Promise<T>
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePortRange(count)
    try {
      return await start(port)
    } catch (err) {
      const taken = err instanceof Error && err.message.includes('EADDRINUSE')
      if (!taken || attempt === 5) throw err
    }
  }
}
