// weir start -c FILE | weir validate -c FILE
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { ConfigError, formatIssue, loadConfigFile } from './config/index.ts'
import { startGateway } from './gateway.ts'
import { createLogger } from './observability/logger.ts'
import {
  DEFAULT_ITERATIONS,
  MIN_ITERATIONS,
  scramSecrets,
  type ScramMechanism,
} from './listener/sasl/index.ts'
import { hashApiKey, hashPassword, PolicyEngine } from './policy/index.ts'
import { routeProcessWarnings } from './observability/process-warnings.ts'

const usage = `usage: weir <command> -c FILE

commands:
  start        run the gateway with the configuration in FILE
  validate     check FILE and print every problem found (exit 1 if any)
  hash-secret  read a secret from stdin and print what the config stores:
               --api-key for an API key's sha256, otherwise a password's scrypt hash;
               --scram-sha-256 or --scram-sha-512 --username NAME [--iterations N]
               for a user entry of a scram method (default ${DEFAULT_ITERATIONS} iterations)

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
  // Key material (JWT keys, password hashes) is only parsed when the engine compiles it.
  new PolicyEngine(config)
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  console.log(
    `${file}: valid (${count(config.backendClusters.length, 'backend cluster')}, ${count(config.virtualClusters.length, 'virtual cluster')}, ${count(config.listeners.length, 'listener')}, ${count(config.policies.length, 'policy')})`.replace(
      'policys',
      'policies'
    )
  )
  return 0
}

async function start(file: string): Promise<number> {
  const config = await loadConfigFile(file)
  const logger = createLogger({ level: config.logging.level })
  routeProcessWarnings(logger)
  const gateway = await startGateway(config, logger, {
    configDir: path.dirname(path.resolve(file)),
  })
  const listeners = [
    ...gateway.listeners.map((l) => l.url),
    ...gateway.kafkaListeners.map((l) => `kafka://${l.bootstrap}`),
  ]
  logger.info({ config: file, listeners }, 'weir started')

  return new Promise((resolve) => {
    let stopping = false
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting at once')
        process.exit(130)
      }
      stopping = true
      logger.info({ signal }, 'shutting down')
      gateway.stop().then(
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
      },
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
  if (!values.config) {
    console.error(`weir ${command}: -c FILE is required\n\n${usage}`)
    return 2
  }
  try {
    return command === 'validate' ? await validate(values.config) : await start(values.config)
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
