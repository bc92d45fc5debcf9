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
  /**
   * librdkafka's name for the broker handle: `host:port/nodeId` or `.../bootstrap` (with
   * `sasl_ssl://` and the like in front when not plaintext), or a logical broker's
   * (`GroupCoordinator`, `TxnCoordinator`).
   */
  broker: string
  /** For a logical broker, the `host:port` it was pointed at when it connected. */
  nodename?: string | null
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

/** confluent-kafka's and librdkafka's versions, as the Python that runs compat.py has them. */
export function confluentVersions(): { confluentKafka: string; librdkafka: string } {
  const probe = spawnSync(
    findConfluentPython(),
    [
      '-c',
      'import json, confluent_kafka as c; print(json.dumps({"confluentKafka": c.version()[0], "librdkafka": c.libversion()[0]}))',
    ],
    { encoding: 'utf8' }
  )
  if (probe.status !== 0) throw new Error(`cannot read confluent_kafka's versions: ${probe.stderr}`)
  return JSON.parse(probe.stdout) as { confluentKafka: string; librdkafka: string }
}

export interface PythonCompatOptions {
  /** librdkafka settings every client gets (security.protocol, sasl.*, ssl.*...). */
  config?: Record<string, string | number | boolean>
  /** Names for the tenant and tenant-list scenarios. */
  tenant?: { topic: string; group: string; tag: string }
  /** The filtered-tail scenario's topic, group and the offset its position must reach. */
  tail?: { topic: string; group: string; end: number }
  /** The refused scenario's topics. */
  refused?: string[]
  /** The read scenario's topic, group and how many records it reads. */
  read?: { topic: string; group: string; count: number }
}

/** Runs the scenarios (all when none are named) in one process. */
export async function runPythonCompat(
  bootstrap: string,
  scenarios: string[] = [],
  timeoutMs = 170_000,
  options: PythonCompatOptions = {}
): Promise<PythonCompatOutput> {
  const python = findConfluentPython()
  const env = { ...process.env }
  if (options.config) env.COMPAT_CONFIG = JSON.stringify(options.config)
  if (options.tenant) env.COMPAT_TENANT = JSON.stringify(options.tenant)
  if (options.tail) env.COMPAT_TAIL = JSON.stringify(options.tail)
  if (options.refused) env.COMPAT_REFUSED = JSON.stringify(options.refused)
  if (options.read) env.COMPAT_READ = JSON.stringify(options.read)
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      python,
      [script, bootstrap, ...scenarios],
      { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
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
