// The hosts-file helper edits a file other test files edit too, each from its own process: their
// blocks must all be there at once and each go away with its own process.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const helper = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hosts-file.ts')
const dirs: string[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A process that, from the moment `at` (ms since the epoch, so that they all edit together),
 * adds `name`, says so, and exits when its stdin ends (removing its block on the way out).
 */
function adder(file: string, name: string, at: number): ChildProcess {
  const script = `
    const { addHostsEntries } = await import(${JSON.stringify(helper)})
    // Asleep until just before, then spinning: all of them start editing within a millisecond.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ${at} - 20 - Date.now()))
    while (performance.timeOrigin + performance.now() < ${at}) {}
    addHostsEntries([${JSON.stringify(name)}], '127.0.0.1', ${JSON.stringify(file)})
    process.stdout.write('added\\n')
    process.stdin.resume()
    process.stdin.on('end', () => process.exit(0))
  `
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
}

describe('hosts file entries', () => {
  it("keeps every process's entries when they add them at the same moment", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-hosts-test-'))
    dirs.push(dir)
    const file = path.join(dir, 'hosts')
    const original = '127.0.0.1 localhost\n'
    writeFileSync(file, original)
    const names = Array.from({ length: 8 }, (_, i) => `host-${i}.weir.test`)
    // Late enough for every process to have started and be waiting.
    const at = Date.now() + 2_000
    const children = names.map((name) => adder(file, name, at))
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.stdout?.once('data', () => resolve())
            child.once('exit', (code) => reject(new Error(`exited with ${code} before adding`)))
          })
      )
    )
    const during = readFileSync(file, 'utf8')
    await Promise.all(
      children.map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.stdin?.end()
        return exited
      })
    )
    const added = during.split('\n').filter((l) => l.startsWith('127.0.0.1 host-'))
    expect(added.sort()).toEqual(names.map((n) => `127.0.0.1 ${n}`).sort())
    expect(readFileSync(file, 'utf8')).toBe(original)
  })
})
