// Runs `weir start -c FILE` as a real child process, as an operator would, and keeps its JSON log
// lines so a test can wait for what Weir says (e.g. "shutting down") and show them when it fails.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { freePort } from '../../scripts/local-stack/ports.ts'

export interface LogLine {
  level: number
  msg: string
  /** When this process read the line (Date.now()). */
  seenAt: number
  [field: string]: unknown
}

export interface WeirProcess {
  url: string
  child: ChildProcess
  /** Every JSON line Weir wrote to stdout so far. */
  logs: LogLine[]
  /** Resolves with the exit code (or the signal name) once the process ended. */
  exited: Promise<number | string>
  /** Resolves with the first log line that matches, or rejects after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>
  /** The last lines of stdout and stderr, for failure messages. */
  tail(lines?: number): string
}

const running: { child: ChildProcess; dir: string }[] = []

afterEach(() => {
  for (const { child, dir } of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})

/**
 * Writes `yaml` to a file of its own and starts Weir with it. `yaml` must put its http listener on
 * `${PORT}` (read from the environment); resolves once /healthz answers.
 */
export async function startWeirProcess(
  yaml: string,
  startTimeoutMs = 20_000
): Promise<WeirProcess> {
  return startWeir({ yaml, startTimeoutMs })
}

export interface WeirProcessOptions {
  /** The configuration, written to a file of its own and given as `-c FILE`... */
  yaml?: string
  /** ...or a file that exists already (a node restarted on its file); neither for a data plane. */
  file?: string
  /** More arguments for `weir start` (`--role data-plane`, `--control-plane URL`...). */
  args?: string[]
  /** More environment variables. */
  env?: Record<string, string>
  /** Where /healthz answers, given to the process as PORT (default: a free port). */
  port?: number
  startTimeoutMs?: number
}

/** `weir start` in any role; resolves once /healthz answers on `port`. */
export async function startWeir(
  options: WeirProcessOptions
): Promise<WeirProcess & { port: number; file?: string }> {
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-proc-'))
  let file = options.file
  if (options.yaml !== undefined) {
    file = path.join(dir, 'weir.yaml')
    writeFileSync(file, options.yaml)
  }
  const args = ['src/cli.ts', 'start', ...(file === undefined ? [] : ['-c', file])]
  const child = spawn(process.execPath, [...args, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...options.env,
    },
  })
  running.push({ child, dir })

  const logs: LogLine[] = []
  const raw: string[] = []
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>()
  let pending = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    const seenAt = Date.now()
    for (const text of lines) {
      if (text.trim() === '') continue
      raw.push(text)
      let line: LogLine
      try {
        line = { ...(JSON.parse(text) as LogLine), seenAt }
      } catch {
        continue
      }
      logs.push(line)
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter)
          waiter.resolve(line)
        }
      }
    }
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  )

  const tail = (count = 30) =>
    `--- weir stdout (last ${count} lines) ---\n${raw.slice(-count).join('\n')}\n--- weir stderr ---\n${stderr.slice(-4000)}`

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs: number) => {
    const found = logs.find(match)
    if (found) return Promise.resolve(found)
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = { match, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`weir did not log the expected line within ${timeoutMs} ms\n${tail()}`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + startTimeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`weir exited with ${child.exitCode}\n${tail()}`)
    const res = await fetch(`${url}/healthz`).catch(() => undefined)
    if (res?.ok) break
    if (Date.now() > deadline) {
      throw new Error(`weir did not answer /healthz within ${startTimeoutMs} ms\n${tail()}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { url, child, logs, exited, waitForLog, tail, port, file }
}
