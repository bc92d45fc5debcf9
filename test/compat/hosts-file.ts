// Host names in /etc/hosts for clients that resolve only through the system (librdkafka from
// Python takes no resolver of its own). The entries go in a marked block of this process's own,
// and only that block is ever removed: on remove(), at process exit or on SIGINT/SIGTERM, and, for
// a process killed before any of these ran, by the next process that adds entries. Other lines
// are never touched. Test files in other processes edit the file too: each edit holds a lock.
import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const MARK = '# weir-test-hosts'
const SIGNALS = ['SIGINT', 'SIGTERM'] as const

export interface HostsEntries {
  /** Removes the block; safe to call more than once. */
  remove(): void
}

/** Adds `names` (resolving to `address`) to the hosts file until remove() or process exit. */
export function addHostsEntries(
  names: string[],
  address = '127.0.0.1',
  file = '/etc/hosts'
): HostsEntries {
  const id = `${randomUUID()} pid=${process.pid}`
  const block = [
    `${MARK} begin ${id}`,
    ...names.map((name) => `${address} ${name}`),
    `${MARK} end ${id}`,
  ]
  // Written in place, not renamed over: in a container /etc/hosts is usually a bind mount.
  locked(file, () => {
    const text = withoutBlocks(readFileSync(file, 'utf8'), isStale)
    writeFileSync(
      file,
      `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${block.join('\n')}\n`
    )
  })
  let removed = false
  const remove = (): void => {
    if (removed) return
    removed = true
    process.off('exit', remove)
    for (const signal of SIGNALS) process.off(signal, onSignal)
    locked(file, () =>
      writeFileSync(
        file,
        withoutBlocks(readFileSync(file, 'utf8'), (blockId) => blockId === id)
      )
    )
  }
  // 'exit' does not run when a signal ends the process.
  const onSignal = (signal: NodeJS.Signals): void => {
    remove()
    // Ours was the only handler, so the process would have died: let the signal do that now.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  process.on('exit', remove)
  for (const signal of SIGNALS) process.on(signal, onSignal)
  return { remove }
}

/**
 * Runs `edit` (a read and a write of `file`) while holding a lock directory in the temp folder,
 * named after the file: two processes editing at once would each write the file without the
 * other's block. Synchronous, as the exit handler that removes a block must be.
 */
function locked(file: string, edit: () => void): void {
  const id = createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 16)
  const lock = path.join(tmpdir(), `weir-hosts-${id}.lock`)
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    // An edit takes milliseconds: a lock this old was left by a process killed while editing.
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs
    if (since !== undefined && Date.now() - since > 5_000) {
      rmSync(lock, { recursive: true, force: true })
    } else if (Date.now() > deadline) {
      throw new Error(`${file} stayed locked (${lock}) for 10 s`)
    } else {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    }
  }
  try {
    edit()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/**
 * The text without the marked blocks `drop` picks (by the id on their begin line). A block with
 * no end line is kept whole: whatever follows its begin line might not be ours.
 */
function withoutBlocks(text: string, drop: (id: string) => boolean): string {
  const lines = text.split('\n')
  const kept: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.startsWith(`${MARK} begin `)) {
      const blockId = line.slice(`${MARK} begin `.length)
      const end = lines.indexOf(`${MARK} end ${blockId}`, i + 1)
      if (end !== -1 && drop(blockId)) {
        i = end
        continue
      }
    }
    kept.push(line)
  }
  return kept.join('\n')
}

/** A block whose process is gone (killed before it could remove it). */
function isStale(blockId: string): boolean {
  const pid = Number(/ pid=(\d+)$/.exec(blockId)?.[1])
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
