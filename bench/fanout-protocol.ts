// What the fan-out scenario and its subscriber process say to each other over the IPC channel,
// and the scenario's side of it: spawning the process (with its file limit raised to the hard
// limit, since it holds one socket per subscriber) and asking it things.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LatencySummary } from './histogram.ts'

export type Kind = 'ws' | 'sse'

export type Request =
  | { cmd: 'open'; kind: Kind; url: string; count: number; concurrency: number }
  /** Forget earlier deliveries; from now on expect records 0 .. records-1 on every subscriber. */
  | { cmd: 'expect'; records: number; measureFrom: number }
  | { cmd: 'count' }
  | { cmd: 'report' }
  | { cmd: 'close' }

export interface OpenResult {
  opened: number
  failed: number
  /** Why connections failed, by message. */
  errors: Record<string, number>
  ms: number
}

export interface KindReport {
  /** Subscribers open when `expect` came. */
  subscribers: number
  /** Record frames or events received since `expect`. */
  delivered: number
  /** Produce-to-client latency of the records from `measureFrom` on. */
  latency: LatencySummary
  /** Expected (subscriber, record) pairs never received. */
  missing: number
  /** Subscribers that missed at least one record. */
  subscribersMissing: number
  duplicates: number
  /** Records whose sequence number was outside the expected range or could not be read. */
  unexpected: number
  /** Gap notices (the server dropped records for a slow subscriber). */
  gaps: number
  /** Other frames or events than records, by type (errors, ends). */
  other: Record<string, number>
  /** Connections that ended since `expect`, by close code or cause. */
  closed: Record<string, number>
}

export interface Report {
  ws: KindReport
  sse: KindReport
  /** Latency over both kinds. */
  all: LatencySummary
  /** The subscriber process's own event-loop delay: a busy client adds to every latency. */
  loopDelay: { p99: number; max: number }
}

export interface Counts {
  ws: number
  sse: number
}

export type Reply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }

export interface SubscriberProcess {
  pid: number
  open(kind: Kind, url: string, count: number, concurrency?: number): Promise<OpenResult>
  expect(records: number, measureFrom: number): Promise<void>
  count(): Promise<Counts>
  report(): Promise<Report>
  closeAll(): Promise<void>
  stop(): Promise<void>
}

const clientScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fanout-client.ts')
/** Node options for the subscriber process, e.g. `--cpu-prof` to see where its time goes. */
const clientNodeArgs = (process.env.WEIR_BENCH_FANOUT_CLIENT_NODE_ARGS ?? '')
  .split(/\s+/)
  .filter(Boolean)

/** Starts the subscriber process; its output goes to `log` (it prints only when it fails). */
export function startSubscribers(log: (line: string) => void): SubscriberProcess {
  // exec keeps the pid and the IPC descriptor; the soft file limit goes up to the hard one.
  const child: ChildProcess = spawn(
    'bash',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"',
      process.execPath,
      ...clientNodeArgs,
      clientScript,
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }
  )
  const pid = child.pid
  if (pid === undefined) throw new Error('could not start the subscriber process')
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8')
    stream?.on('data', (text: string) => {
      for (const line of text.trimEnd().split('\n')) log(`subscribers: ${line}`)
    })
  }
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.on('exit', killOnExit)
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  let nextId = 1
  let exitError: Error | undefined
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.ok) waiter?.resolve(message.result)
    else waiter?.reject(new Error(`subscriber process: ${message.error}`))
  })
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit)
      exitError = new Error(`the subscriber process exited (${signal ?? code})`)
      for (const waiter of pending.values()) waiter.reject(exitError)
      pending.clear()
      resolve()
    })
  )
  const call = <T>(request: Request): Promise<T> => {
    if (exitError) return Promise.reject(exitError)
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      child.send({ id, ...request })
    })
  }
  return {
    pid,
    open: (kind, url, count, concurrency = 64) =>
      call<OpenResult>({ cmd: 'open', kind, url, count, concurrency }),
    expect: (records, measureFrom) => call<void>({ cmd: 'expect', records, measureFrom }),
    count: () => call<Counts>({ cmd: 'count' }),
    report: () => call<Report>({ cmd: 'report' }),
    closeAll: () => call<void>({ cmd: 'close' }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await gone
    },
  }
}
