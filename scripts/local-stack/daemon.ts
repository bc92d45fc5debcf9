// Starts and stops the stack's background processes. Each one writes its pid to a file so that a
// later `stop` (or the next test run, after a crash) can find and end it.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

export interface DaemonSpec {
  name: string
  command: string
  args: string[]
  logFile: string
  pidFile: string
  cwd?: string
}

export interface Daemon {
  name: string
  pid: number
  logFile: string
  /** True while the process is running. */
  alive(): boolean
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Starts a process detached from this one, its output appended to `logFile`. */
export function startDaemon(spec: DaemonSpec): Daemon {
  const out = openSync(spec.logFile, 'a')
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    detached: true,
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`)
  child.unref()
  // Reap the child if it exits while we are still running, so alive() sees it gone (no zombie).
  let exited = false
  child.on('exit', () => (exited = true))
  writeFileSync(spec.pidFile, String(child.pid))
  const pid = child.pid
  return { name: spec.name, pid, logFile: spec.logFile, alive: () => !exited && isAlive(pid) }
}

/** The last lines of a log, for error messages. */
export function logTail(logFile: string, lines = 25): string {
  if (!existsSync(logFile)) return '(no log)'
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

/**
 * Polls `ready` until it resolves true. Fails early, with the log's tail, when the process dies,
 * and after `timeoutMs` otherwise: a stack that cannot start must fail loudly.
 */
export async function waitUntilReady(
  daemon: Daemon,
  ready: () => Promise<boolean>,
  timeoutMs: number
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!daemon.alive()) {
      throw new Error(
        `${daemon.name} exited during start-up. Log (${daemon.logFile}):\n${logTail(daemon.logFile)}`
      )
    }
    if (await ready().catch(() => false)) return
    await sleep(250)
  }
  throw new Error(
    `${daemon.name} did not become ready within ${timeoutMs / 1000}s. Log (${daemon.logFile}):\n${logTail(daemon.logFile)}`
  )
}

/** Ends the process named in `pidFile`: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopDaemon(pidFile: string, graceMs = 15_000): Promise<void> {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8'))
  if (pid > 0 && isAlive(pid)) {
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + graceMs
    while (isAlive(pid) && Date.now() < deadline) await sleep(100)
    if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  }
  rmSync(pidFile, { force: true })
}
