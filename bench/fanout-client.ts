// The fan-out scenario's subscribers: WebSocket (`ws`, protocol weir.v1) and SSE (raw node:http)
// connections to one stream, in a process of their own so their CPU is not Weir's. Driven over the
// IPC channel (see fanout-protocol.ts). Each record's value starts with {"seq":N,"sentAt":T}, the
// producer's clock in ms; both sides read the same system clock. Records are read with indexOf,
// not JSON.parse: a real client would parse, but here every microsecond the client spends is one
// the gateway does not get on a small machine.
import http from 'node:http'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { Histogram } from './histogram.ts'
import type {
  Counts,
  Kind,
  KindReport,
  OpenResult,
  Reply,
  Report,
  Request,
} from './fanout-protocol.ts'

const OPEN_TIMEOUT_MS = 30_000
const now = (): number => performance.timeOrigin + performance.now()

interface Subscriber {
  kind: Kind
  /** Which expected records arrived (1) or not (0). */
  seen: Uint8Array
  close(): void
  closed: Promise<void>
}

class KindStats {
  subscribers = 0
  delivered = 0
  latency = new Histogram()
  duplicates = 0
  unexpected = 0
  gaps = 0
  other: Record<string, number> = {}
  closed: Record<string, number> = {}
}

const subscribers = new Set<Subscriber>()
/** The subscribers open when `expect` came: the ones that must get every record, closed or not. */
let tracked: Subscriber[] = []
let expected = { records: 0, measureFrom: 0 }
const stats: Record<Kind, KindStats> = { ws: new KindStats(), sse: new KindStats() }
let latencyAll = new Histogram()
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()

const bump = (map: Record<string, number>, key: string): void => {
  map[key] = (map[key] ?? 0) + 1
}

const VALUE_HEAD = '"value":{"seq":'
const RECORD_HEAD = '{"type":"record"'

/**
 * One record, as a WebSocket message (bytes, read without decoding them to a string) or an SSE
 * event's text: reads seq and sentAt from `"value":{"seq":N,"sentAt":T,`.
 */
function onRecord(sub: Subscriber, data: Buffer | string): void {
  const received = now()
  const s = stats[sub.kind]
  s.delivered++
  const slice = (from: number, to: number): string =>
    typeof data === 'string' ? data.slice(from, to) : data.toString('latin1', from, to)
  const at = data.indexOf(VALUE_HEAD)
  const comma = at < 0 ? -1 : data.indexOf(',', at + VALUE_HEAD.length)
  const seq = comma < 0 ? Number.NaN : Number(slice(at + VALUE_HEAD.length, comma))
  const sentStart = comma + ',"sentAt":'.length
  const sentAt = Number(slice(sentStart, data.indexOf(',', sentStart)))
  if (!Number.isInteger(seq) || seq < 0 || seq >= expected.records || Number.isNaN(sentAt)) {
    s.unexpected++
    return
  }
  if (sub.seen[seq] === 1) s.duplicates++
  sub.seen[seq] = 1
  if (seq >= expected.measureFrom) {
    s.latency.add(received - sentAt)
    latencyAll.add(received - sentAt)
  }
}

function openWs(url: string, done: (err?: string) => void): Subscriber {
  // Weir sends what JSON.stringify made: valid UTF-8, so the client need not check it.
  const ws = new WebSocket(url, 'weir.v1', { perMessageDeflate: false, skipUTF8Validation: true })
  let ready = false
  const sub: Subscriber = {
    kind: 'ws',
    seen: new Uint8Array(expected.records),
    close: () => ws.close(1000),
    closed: new Promise((resolve) => ws.once('close', () => resolve())),
  }
  ws.on('message', (data: Buffer) => {
    if (data.toString('latin1', 0, RECORD_HEAD.length) === RECORD_HEAD) {
      onRecord(sub, data)
      return
    }
    const type = String((JSON.parse(data.toString('utf8')) as { type?: unknown }).type)
    if (type === 'subscribed') {
      ready = true
      done()
    } else if (type === 'gap') stats.ws.gaps++
    else if (type !== 'welcome') bump(stats.ws.other, type)
  })
  ws.on('unexpected-response', (_req, res) => {
    done(`HTTP ${res.statusCode}`)
    ws.terminate()
  })
  ws.on('error', (err) => {
    if (!ready) done(err.message)
  })
  ws.on('close', (code, reason) => {
    subscribers.delete(sub)
    if (!ready) done(`closed ${code} ${reason.toString()}`)
    else bump(stats.ws.closed, `${code}${reason.length ? ` ${reason.toString()}` : ''}`)
  })
  return sub
}

function openSse(url: string, done: (err?: string) => void): Subscriber {
  let ready = false
  let finished = false
  let closeSeen: () => void = () => {}
  const sub: Subscriber = {
    kind: 'sse',
    seen: new Uint8Array(expected.records),
    close: () => request.destroy(),
    closed: new Promise((resolve) => (closeSeen = resolve)),
  }
  // The first of end, error and close says why; the others follow it.
  const ended = (cause: string): void => {
    if (finished) return
    finished = true
    subscribers.delete(sub)
    if (!ready) done(cause)
    else bump(stats.sse.closed, cause)
    closeSeen()
  }
  const request = http.get(
    url,
    { agent: false, headers: { accept: 'text/event-stream' } },
    (res) => {
      if (res.statusCode !== 200) {
        done(`HTTP ${res.statusCode}`)
        res.resume()
        return
      }
      res.setEncoding('utf8')
      let pending = ''
      res.on('data', (chunk: string) => {
        pending += chunk
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
          const block = pending.slice(0, end)
          pending = pending.slice(end + 2)
          const at = block.indexOf('event: ')
          if (at < 0) continue // a heartbeat comment
          const type = block.slice(at + 7, block.indexOf('\n', at))
          if (type === 'record') onRecord(sub, block)
          else if (type === 'ready') {
            ready = true
            done()
          } else if (type === 'gap') stats.sse.gaps++
          else bump(stats.sse.other, type)
        }
      })
      res.on('end', () => ended('ended by the server'))
    }
  )
  request.on('error', (err) => ended(err.message))
  request.on('close', () => ended('closed'))
  return sub
}

async function open(
  kind: Kind,
  url: string,
  count: number,
  concurrency: number
): Promise<OpenResult> {
  const started = now()
  const errors: Record<string, number> = {}
  let opened = 0
  let next = 0
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      let settled = false
      const done = (err?: string): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err === undefined) opened++
        else {
          bump(errors, err)
          sub.close()
        }
        resolve()
      }
      const timer = setTimeout(() => done('no subscribed/ready in time'), OPEN_TIMEOUT_MS)
      const sub = kind === 'ws' ? openWs(url, done) : openSse(url, done)
      subscribers.add(sub)
    })
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++
      await one()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { opened, failed: count - opened, errors, ms: now() - started }
}

function kindReport(kind: Kind): KindReport {
  const s = stats[kind]
  let missing = 0
  let subscribersMissing = 0
  for (const sub of tracked) {
    if (sub.kind !== kind) continue
    let absent = 0
    for (let i = 0; i < expected.records; i++) if (sub.seen[i] !== 1) absent++
    missing += absent
    if (absent > 0) subscribersMissing++
  }
  return {
    subscribers: s.subscribers,
    delivered: s.delivered,
    latency: s.latency.summary(),
    missing,
    subscribersMissing,
    duplicates: s.duplicates,
    unexpected: s.unexpected,
    gaps: s.gaps,
    other: s.other,
    closed: s.closed,
  }
}

async function handle(request: Request): Promise<unknown> {
  switch (request.cmd) {
    case 'open':
      return open(request.kind, request.url, request.count, request.concurrency)
    case 'expect': {
      expected = { records: request.records, measureFrom: request.measureFrom }
      for (const kind of ['ws', 'sse'] as const) stats[kind] = new KindStats()
      latencyAll = new Histogram()
      tracked = [...subscribers]
      for (const sub of tracked) {
        sub.seen = new Uint8Array(request.records)
        stats[sub.kind].subscribers++
      }
      loop.reset()
      return undefined
    }
    case 'count':
      return { ws: stats.ws.delivered, sse: stats.sse.delivered } satisfies Counts
    case 'report':
      return {
        ws: kindReport('ws'),
        sse: kindReport('sse'),
        all: latencyAll.summary(),
        loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      } satisfies Report
    case 'close': {
      const all = [...subscribers]
      for (const sub of all) sub.close()
      await Promise.all(all.map((sub) => sub.closed))
      subscribers.clear()
      tracked = []
      return undefined
    }
  }
}

process.on('message', (message: { id: number } & Request) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies Reply),
    (err: unknown) =>
      process.send?.({ id: message.id, ok: false, error: String(err) } satisfies Reply)
  )
})
// The scenario ends us with SIGTERM, or we go when it goes; exiting (not dying of the signal)
// lets --cpu-prof write its profile.
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
