// Runs compat.py (librdkafka, through Debian's python3-confluent-kafka) against a bootstrap
// address and returns what it printed. The package is required, never optional: without it the
// caller fails rather than skips.
import { execFile, spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compat.py')

export interface PythonConnection {
  host: string
  port: number
  /** librdkafka's name for the broker handle, as `host:port/nodeId` or `.../bootstrap`. */
  broker: string
}

export interface PythonCompatOutput {
  bootstrap: string
  versions: { confluentKafka: string; librdkafka: string }
  connections: PythonConnection[]
  warnings: string[]
  /** Each scenario's findings, or `error` with a traceback. */
  [scenario: string]: unknown
}

/**
 * A Python that imports confluent_kafka: WEIR_PYTHON, then the system's (where Debian's package
 * installs it, whatever python3 comes first on PATH, e.g. pyenv's), then PATH's.
 */
export function findConfluentPython(): string {
  const tried: string[] = []
  for (const bin of [process.env.WEIR_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!bin) continue
    const probe = spawnSync(bin, ['-c', 'import confluent_kafka'], { encoding: 'utf8' })
    if (probe.status === 0) return bin
    tried.push(bin)
  }
  throw new Error(
    `no Python with confluent_kafka found (tried ${tried.join(', ')}): ` +
      'apt-get install python3-confluent-kafka, or set WEIR_PYTHON'
  )
}

/** Runs the scenarios (all when none are named) in one process. */
export async function runPythonCompat(
  bootstrap: string,
  scenarios: string[] = [],
  timeoutMs = 170_000
): Promise<PythonCompatOutput> {
  const python = findConfluentPython()
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      python,
      [script, bootstrap, ...scenarios],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, out, errOut) => {
        if (err) {
          reject(new Error(`compat.py ${scenarios.join(' ')} failed: ${err.message}\n${errOut}`))
        } else {
          resolve(out)
        }
      }
    )
  })
  const line = stdout.trim().split('\n').at(-1) ?? ''
  try {
    return JSON.parse(line) as PythonCompatOutput
  } catch {
    throw new Error(`compat.py printed no JSON result:\n${stdout}`)
  }
}
