// moto's server mode (PyPI), a KMS-compatible server for the AWS KMS provider's integration tests.
// Installed once into a virtualenv under .cache/moto/<version> (pinned, like the stack's Kafka),
// started on a free port per test file and stopped after. Anything that keeps it from starting
// throws: the tests then fail, they are never skipped.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { cacheRoot } from '../../scripts/local-stack/paths.ts'
import { onFreePorts } from './ports.ts'

const run = promisify(execFile)
const MOTO_VERSION = process.env.WEIR_MOTO_VERSION ?? '5.2.6'
const PYTHON = process.env.WEIR_PYTHON ?? '/usr/bin/python3'

export interface Moto {
  /** http://127.0.0.1:<port>: the `endpoint` of an `aws` kms entry. */
  readonly endpoint: string
  stop(): Promise<void>
}

/** moto's virtualenv, installed on first use. Built aside and renamed: never seen half-made. */
async function motoPython(): Promise<string> {
  const dir = path.join(cacheRoot, 'moto', MOTO_VERSION)
  const python = path.join(dir, 'bin', 'python')
  if (existsSync(path.join(dir, '.complete'))) return python
  const building = `${dir}.${process.pid}`
  rmSync(building, { recursive: true, force: true })
  mkdirSync(path.dirname(dir), { recursive: true })
  process.stderr.write(`weir tests: installing moto[server]==${MOTO_VERSION} into ${dir} (once)\n`)
  try {
    await run(PYTHON, ['-m', 'venv', building])
    // The venv's python finds its packages through pyvenv.cfg beside it, so the folder may move;
    // only the scripts' shebangs name the old path, and they are not used.
    await run(
      path.join(building, 'bin', 'python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `moto[server]==${MOTO_VERSION}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 }
    )
    writeFileSync(path.join(building, '.complete'), new Date().toISOString())
    rmSync(dir, { recursive: true, force: true })
    renameSync(building, dir)
  } catch (err) {
    rmSync(building, { recursive: true, force: true })
    if (existsSync(path.join(dir, '.complete'))) return python // another run won the race
    const e = err as { stderr?: string; message: string }
    throw new Error(
      `could not install moto[server]==${MOTO_VERSION} with ${PYTHON} -m venv and pip ` +
        `(Debian: apt-get install python3-venv): ${(e.stderr ?? e.message).trim().slice(-2000)}`,
      { cause: err }
    )
  }
  return python
}

/** Starts moto's server on a free port; resolves once it answers HTTP. */
export async function startMoto(): Promise<Moto> {
  const python = await motoPython()
  return onFreePorts(1, async (port) => {
    const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let output = ''
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)))
    const endpoint = `http://127.0.0.1:${port}`
    try {
      await answering(endpoint, child, () => output)
    } catch (err) {
      child.kill('SIGKILL')
      throw err
    }
    return { endpoint, stop: () => stop(child) }
  })
}

async function answering(endpoint: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // EADDRINUSE in the message lets onFreePorts try another port (werkzeug prints strerror).
      const taken = /already in use/i.test(output()) ? ' EADDRINUSE' : ''
      throw new Error(
        `moto_server exited (${child.exitCode ?? child.signalCode})${taken}: ${output()}`
      )
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) })
      if (res.ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer in 30 s: ${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
