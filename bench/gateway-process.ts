// Runs a server under test (Weir, or a peer such as a Java bridge) as its own process, so the load
// generator and the server do not share an event loop, as in production. What this starts, it
// stops: on stop(), and when the bench process exits for any reason.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { freePort } from '../scripts/local-stack/ports.ts'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ServerProcess {
  pid: number
  /** Base URL, no trailing slash. */
  url: string
  /** Its output since it started; stop() removes it unless the spec named the file. */
  logFile: string
  /** The process's peak resident set size so far (VmHWM), in bytes; NaN where /proc is missing. */
  peakRssBytes(): number
  /** The process's resident set size now (VmRSS), in bytes; NaN where /proc is missing. */
  rssBytes(): number
  /** CPU time the process used so far, all threads, user + system, in seconds; NaN without /proc. */
  cpuSeconds(): number
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>
}

export interface ServerSpec {
  name: string
  command: string
  args: string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Where its output goes; a temporary file when not given. */
  logFile?: string
  url: string
  /** Path whose 2xx answer means ready. */
  readyPath?: string
  /** Instead of readyPath, for a server without HTTP: true once ready; throwing fails the start. */
  ready?: () => Promise<boolean>
  readyTimeoutMs?: number
}

/** The last lines of a log, for error messages. */
export function logTail(logFile: string, lines = 20): string {
  if (!existsSync(logFile)) return '(no log)'
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** True when `url` answers 2xx within 2 s. */
const answersOk = (url: string): Promise<boolean> =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.ok,
    () => false
  )

/** Starts the server and waits until `readyPath` answers 200; fails with its log's tail. */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const scratch = spec.logFile ? undefined : mkdtempSync(path.join(os.tmpdir(), 'weir-bench-'))
  const logFile = spec.logFile ?? path.join(scratch as string, `${spec.name}.log`)
  const out = openSync(logFile, 'w')
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? repoRoot,
    env: spec.env ?? process.env,
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  const pid = child.pid
  if (pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`)
  // An interrupted or crashed bench must not leave the server running.
  const killOnExit = (): void => {
    if (!exited(child)) child.kill('SIGKILL')
  }
  process.on('exit', killOnExit)
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const cleanup = (): void => {
    process.off('exit', killOnExit)
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  }

  const stop = async (graceMs = 30_000): Promise<void> => {
    if (!exited(child)) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await gone
      clearTimeout(timer)
    }
    cleanup()
  }

  const isReady = spec.ready ?? (() => answersOk(`${spec.url}${spec.readyPath ?? '/'}`))
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 60_000)
  try {
    for (;;) {
      if (exited(child)) throw new Error(`${spec.name} exited during start-up`)
      if (await isReady()) break
      if (Date.now() > deadline) throw new Error(`${spec.name} did not become ready in time`)
      await sleep(200)
    }
  } catch (err) {
    const tail = logTail(logFile)
    await stop(5000)
    throw new Error(`${(err as Error).message}. Log:\n${tail}`, { cause: err })
  }

  return {
    pid,
    url: spec.url,
    logFile,
    // Summed over its child processes too: Weir's workers (`--workers N`) are children.
    peakRssBytes: () => sumOverTree(pid, (p) => statusBytes(p, 'VmHWM')),
    rssBytes: () => sumOverTree(pid, (p) => statusBytes(p, 'VmRSS')),
    cpuSeconds: () => sumOverTree(pid, processCpuSeconds),
    stop,
  }
}

/** A process and its descendants (Linux: /proc/<pid>/task/<pid>/children), itself first. */
function processTree(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`
  if (!existsSync(file)) return [pid]
  const children = readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return [pid, ...children.flatMap(processTree)]
}

function sumOverTree(pid: number, read: (pid: number) => number): number {
  return processTree(pid).reduce((sum, p) => sum + read(p), 0)
}

export interface WeirServerSpec {
  /** The configuration file (`weir start -c`). */
  config: string
  logFile: string
  /** One of its http listeners, no trailing slash: the base URL the bench sends to. */
  url: string
  /**
   * `--workers N`: WEIR_BENCH_WEIR_WORKERS's when not given (to run a whole bench with workers),
   * one process when neither says; null: one process whatever the environment says.
   */
  workers?: string | null
}

export interface WeirServer extends ServerProcess {
  /** The primary's operations listener (`--metrics-port`) when it runs workers: /metrics. */
  operationsUrl?: string
}

/**
 * Weir itself (`weir start -c config`) as a server under test: WEIR_BENCH_WEIR_ROOT runs another
 * checkout's Weir, WEIR_BENCH_WEIR_NODE_ARGS gives its Node options (a profiler, say). Ready once
 * /readyz answers; with workers, the primary's /readyz: a listener answers as soon as the first
 * worker listens, the primary's operations listener once every worker runs the configuration.
 */
export async function startWeirServer(spec: WeirServerSpec): Promise<WeirServer> {
  const weirRoot = process.env.WEIR_BENCH_WEIR_ROOT || repoRoot
  const nodeArgs = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  const workers =
    spec.workers === null ? undefined : (spec.workers ?? process.env.WEIR_BENCH_WEIR_WORKERS)
  const operationsUrl = workers ? `http://127.0.0.1:${await freePort()}` : undefined
  const workerArgs = operationsUrl
    ? ['--workers', workers as string, '--metrics-port', new URL(operationsUrl).port]
    : []
  const server = await startServer({
    name: 'weir',
    command: process.execPath,
    args: [
      ...nodeArgs,
      path.join(weirRoot, 'src/cli.ts'),
      'start',
      '-c',
      spec.config,
      ...workerArgs,
    ],
    cwd: weirRoot,
    logFile: spec.logFile,
    url: spec.url,
    readyPath: '/readyz',
    ...(operationsUrl ? { ready: () => answersOk(`${operationsUrl}/readyz`) } : {}),
  })
  return { ...server, operationsUrl }
}

/** A size field of /proc/<pid>/status (VmRSS, VmHWM...), in bytes; NaN where /proc is missing. */
export function statusBytes(pid: number, field: string): number {
  const file = `/proc/${pid}/status`
  if (!existsSync(file)) return Number.NaN
  const kib = new RegExp(`^${field}:\\s*(\\d+)\\s*kB$`, 'm').exec(readFileSync(file, 'utf8'))?.[1]
  return kib === undefined ? Number.NaN : Number(kib) * 1024
}

/** Linux reports process times in /proc in units of USER_HZ, which is 100 on every architecture. */
const userHz = 100

/** CPU time of a process so far, all threads, user + system, in seconds; NaN without /proc. */
export function processCpuSeconds(pid: number): number {
  const file = `/proc/${pid}/stat`
  if (!existsSync(file)) return Number.NaN
  // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
  const stat = readFileSync(file, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of the line, so 11 and 12 after the name and state.
  return (Number(fields[11]) + Number(fields[12])) / userHz
}
