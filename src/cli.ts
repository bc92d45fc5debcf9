// weir start -c FILE [--role ...] | weir validate -c FILE | weir hash-secret
import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { ConfigError, formatIssue, loadConfigFile } from './config/index.ts'
import { checkRunnable } from './gateway.ts'
import {
  startControlPlane,
  startDataPlane,
  startStandalone,
  type RunningNode,
} from './node/roles.ts'
import type { OperationsAddress } from './node/operations-listener.ts'
import { onWorkers } from './node/workers/data-plane.ts'
import { startPrimary } from './node/workers/primary.ts'
import { runWorker } from './node/workers/worker.ts'
import {
  DEFAULT_ITERATIONS,
  hashApiKey,
  hashPassword,
  MIN_ITERATIONS,
  scramSecrets,
  type ScramMechanism,
} from './policy/index.ts'
import { openapiCommand } from './http/portal/openapi-command.ts'

const usage = `usage: weir <command> -c FILE

commands:
  start        run the gateway with the configuration in FILE; the file is watched and
               applied live when it changes (--no-watch to turn that off)
               --role standalone      (default) the gateway, and its admin API if configured
               --role control-plane   the admin API only: holds the config for data planes
               --role data-plane --control-plane URL [--data-plane-id ID]
                      [--config-cache FILE] [--poll-interval-ms N]
                      [--listener-port NAME=PORT ...]
                                      the gateway with its config pulled from a control
                                      plane (token in WEIR_CONTROL_PLANE_TOKEN, and/or
                                      --control-plane-cert/-key [--control-plane-ca] for
                                      mTLS); no -c;
                                      --listener-port binds a listener of the document
                                      to another port on this data plane
               --workers N|auto   (standalone, data-plane) N worker processes sharing
                                      every listening port (auto: one per core); the
                                      admin API, file watch or control plane agent, and
                                      /metrics (summed over the workers) stay on the
                                      primary
               --metrics-port PORT [--metrics-host HOST]   (any role) serve GET /metrics,
                                      /healthz and /readyz on their own listener, without
                                      authentication (host default 127.0.0.1); a data
                                      plane's only metrics endpoint
  validate     check FILE and print every problem found (exit 1 if any)
  hash-secret  read a secret from stdin and print what the config stores:
               --api-key for an API key's sha256, otherwise a password's scrypt hash;
               --scram-sha-256 or --scram-sha-512 --username NAME [--iterations N]
               for a user entry of a scram method (default ${DEFAULT_ITERATIONS} iterations)
  openapi      print an http listener's OpenAPI (or --asyncapi) document: weir openapi --help

options:
  -c, --config FILE   the YAML configuration (\${ENV} references are expanded)
  -h, --help          show this help
  -v, --version       print the version`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

async function validate(file: string): Promise<number> {
  const config = await loadConfigFile(file)
  checkRunnable(config)
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  console.log(
    `${file}: valid (${count(config.backendClusters.length, 'backend cluster')}, ${count(config.virtualClusters.length, 'virtual cluster')}, ${count(config.listeners.length, 'listener')}, ${count(config.policies.length, 'policy')})`.replace(
      'policys',
      'policies'
    )
  )
  return 0
}

/** The operations listener the flags ask for, none, or a usage error. */
function operationsAddress(values: StartFlags): OperationsAddress | undefined | string {
  const port = values['metrics-port']
  if (port === undefined) {
    return values['metrics-host'] === undefined ? undefined : '--metrics-host needs --metrics-port'
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return `--metrics-port is a port number (0-65535), not "${port}"`
  }
  return { host: values['metrics-host'] ?? '127.0.0.1', port: Number(port) }
}

/** --workers: a count, `auto` (one per core), absent (one process), or a usage error. */
function workerCount(role: string, flag: string | undefined): number | undefined | string {
  if (flag === undefined) return undefined
  if (role === 'control-plane') return '--workers goes with --role standalone or data-plane'
  if (flag === 'auto') return availableParallelism()
  const n = Number(flag)
  return /^\d+$/.test(flag) && n >= 1 && n <= 1024
    ? n
    : `--workers is N (1-1024) or auto, not "${flag}"`
}

async function start(role: string, values: StartFlags): Promise<number> {
  let node: RunningNode
  const operations = operationsAddress(values)
  if (typeof operations === 'string') {
    console.error(`weir start: ${operations}`)
    return 2
  }
  const workers = workerCount(role, values.workers)
  if (typeof workers === 'string') {
    console.error(`weir start: ${workers}`)
    return 2
  }
  if (role === 'data-plane') {
    const token = process.env.WEIR_CONTROL_PLANE_TOKEN
    const cert = values['control-plane-cert']
    const key = values['control-plane-key']
    if (!values['control-plane'] || (!token && !(cert && key)) || !cert !== !key) {
      console.error(
        'weir start --role data-plane: needs --control-plane URL, and the WEIR_CONTROL_PLANE_TOKEN environment variable or a client certificate (--control-plane-cert FILE --control-plane-key FILE)'
      )
      return 2
    }
    const pollIntervalMs =
      values['poll-interval-ms'] === undefined ? undefined : Number(values['poll-interval-ms'])
    if (
      pollIntervalMs !== undefined &&
      !(Number.isSafeInteger(pollIntervalMs) && pollIntervalMs >= 100)
    ) {
      console.error(
        'weir start: --poll-interval-ms is a whole number of milliseconds, at least 100'
      )
      return 2
    }
    const listenerPorts: Record<string, number> = {}
    for (const flag of values['listener-port'] ?? []) {
      const match = /^([^=]+)=(\d{1,5})$/.exec(flag)
      const port = Number(match?.[2])
      if (match === null || port > 65535) {
        console.error(`weir start: --listener-port is NAME=PORT, not "${flag}"`)
        return 2
      }
      listenerPorts[match[1] as string] = port
    }
    node = await startDataPlane({
      controlPlane: values['control-plane'],
      token,
      tls: { caFile: values['control-plane-ca'], certFile: cert, keyFile: key },
      id: values['data-plane-id'],
      cacheFile: values['config-cache'],
      pollIntervalMs,
      listenerPorts,
      operations,
      run: workers === undefined ? undefined : onWorkers(workers),
    })
  } else {
    if (!values.config) {
      console.error(`weir start: -c FILE is required\n\n${usage}`)
      return 2
    }
    const options = { file: values.config, watch: values.watch !== false, operations }
    node =
      role === 'control-plane'
        ? await startControlPlane(options)
        : workers !== undefined
          ? await startPrimary({ ...options, workers })
          : await startStandalone(options)
  }
  const { logger } = node
  logger.info({ role, config: values.config, listeners: node.urls }, 'weir started')

  return new Promise((resolve) => {
    let stopping = false
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting at once')
        process.exit(130)
      }
      stopping = true
      logger.info({ signal }, 'shutting down')
      node.stop().then(
        // Accepted records left undelivered are a failure an orchestrator should see.
        ({ undelivered }) => resolve(undelivered > 0 ? 1 : 0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed')
          resolve(1)
        }
      )
    }
    process.on('SIGTERM', shutdown)
    process.on('SIGINT', shutdown)
  })
}

const roles = ['standalone', 'control-plane', 'data-plane']

interface StartFlags {
  config?: string
  'control-plane'?: string
  'data-plane-id'?: string
  'control-plane-ca'?: string
  'control-plane-cert'?: string
  'control-plane-key'?: string
  'config-cache'?: string
  'poll-interval-ms'?: string
  'listener-port'?: string[]
  'metrics-port'?: string
  'metrics-host'?: string
  workers?: string
  watch?: boolean
}

type HashAs =
  | { kind: 'api-key' }
  | { kind: 'password' }
  | { kind: 'scram'; mechanism: ScramMechanism; username: string; iterations: number }

async function hashSecret(as: HashAs): Promise<number> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
  if (secret === '') {
    console.error(
      'weir hash-secret: give the secret on stdin, e.g. printf %s "$KEY" | weir hash-secret --api-key'
    )
    return 2
  }
  if (as.kind === 'scram') {
    const { mechanism, ...secrets } = await scramSecrets(as.mechanism, secret, {
      iterations: as.iterations,
    })
    // A list item, ready to paste under a scram method's `users:`.
    const entry = { username: as.username, mechanism, ...secrets, roles: [] }
    process.stdout.write(stringify([entry]))
    return 0
  }
  console.log(as.kind === 'api-key' ? hashApiKey(secret) : await hashPassword(secret))
  return 0
}

/** What hash-secret's flags ask for, or a usage error. */
function hashAs(values: {
  'api-key'?: boolean
  'scram-sha-256'?: boolean
  'scram-sha-512'?: boolean
  username?: string
  iterations?: string
}): HashAs | string {
  const chosen = (['api-key', 'scram-sha-256', 'scram-sha-512'] as const).filter(
    (flag) => values[flag] === true
  )
  if (chosen.length > 1) return `choose one of --${chosen.join(', --')}`
  const [flag] = chosen
  if (flag !== 'scram-sha-256' && flag !== 'scram-sha-512') {
    if (values.username !== undefined || values.iterations !== undefined) {
      return '--username and --iterations go with --scram-sha-256 or --scram-sha-512'
    }
    return flag === 'api-key' ? { kind: 'api-key' } : { kind: 'password' }
  }
  if (values.username === undefined || values.username === '') {
    return `--${flag} needs --username NAME`
  }
  const iterations = Number(values.iterations ?? DEFAULT_ITERATIONS)
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS) {
    return `--iterations must be an integer of at least ${MIN_ITERATIONS}`
  }
  return { kind: 'scram', mechanism: flag, username: values.username, iterations }
}

export async function main(argv: string[]): Promise<number> {
  // A worker of `weir start --workers N`: its configuration comes from the primary.
  if (cluster.isWorker) return runWorker()
  if (argv[0] === 'openapi') return openapiCommand(argv.slice(1))
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'api-key': { type: 'boolean' },
        'scram-sha-256': { type: 'boolean' },
        'scram-sha-512': { type: 'boolean' },
        username: { type: 'string' },
        iterations: { type: 'string' },
        role: { type: 'string', default: 'standalone' },
        'control-plane': { type: 'string' },
        'data-plane-id': { type: 'string' },
        'control-plane-ca': { type: 'string' },
        'control-plane-cert': { type: 'string' },
        'control-plane-key': { type: 'string' },
        'config-cache': { type: 'string' },
        'poll-interval-ms': { type: 'string' },
        'listener-port': { type: 'string', multiple: true },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        workers: { type: 'string' },
        watch: { type: 'boolean', default: true },
      },
      allowNegative: true,
    })
  } catch (err) {
    console.error(`weir: ${(err as Error).message}\n\n${usage}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.version) {
    console.log(version())
    return 0
  }
  const command = positionals[0]
  if (values.help || !command) {
    console.log(usage)
    return command || values.help ? 0 : 2
  }
  if (command === 'hash-secret') {
    const as = hashAs(values)
    if (typeof as === 'string') {
      console.error(`weir hash-secret: ${as}\n\n${usage}`)
      return 2
    }
    return hashSecret(as)
  }
  if (command !== 'start' && command !== 'validate') {
    console.error(`weir: unknown command "${command}"\n\n${usage}`)
    return 2
  }
  const role = values.role ?? 'standalone'
  if (command === 'start' && !roles.includes(role)) {
    console.error(`weir start: --role is one of ${roles.join(', ')}\n\n${usage}`)
    return 2
  }
  if (!values.config && !(command === 'start' && role === 'data-plane')) {
    console.error(`weir ${command}: -c FILE is required\n\n${usage}`)
    return 2
  }
  try {
    return command === 'validate'
      ? await validate(values.config as string)
      : await start(role, values)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.source}: invalid configuration`)
      for (const issue of err.issues) console.error(`  - ${formatIssue(issue)}`)
    } else {
      console.error(`weir ${command}: ${err instanceof Error ? err.message : String(err)}`)
    }
    return 1
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
