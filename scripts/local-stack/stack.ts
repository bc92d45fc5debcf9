// The local stack: one Kafka broker and one Apicurio Registry, started together in a state folder
// that records their addresses (stack.json) and pids. Used by `npm run dev`, `npm run stack` and
// the test harness alike.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { startKafka, stopKafka, type KafkaPorts } from './kafka.ts'
import { freePort } from './ports.ts'
import { startRegistry, stopRegistry, type RegistryPorts } from './registry.ts'
import type { StackTls } from './tls.ts'

export interface StackInfo {
  /** PLAINTEXT bootstrap address. */
  bootstrap: string
  /** SASL_PLAINTEXT bootstrap address (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  saslBootstrap: string
  /** SSL bootstrap address: TLS with client certificates required. */
  sslBootstrap: string
  /** The CA and client certificate for the SSL listener (PEM files). */
  tls: StackTls
  /** Confluent-compatible Schema Registry base URL. */
  registryUrl: string
}

export interface StackPorts {
  kafka: KafkaPorts
  registry: RegistryPorts
}

/** Fixed ports of the developer stack, so URLs stay the same across restarts. */
export const devPorts: StackPorts = {
  kafka: { plaintext: 19092, sasl: 19094, ssl: 19095, controller: 19093 },
  registry: { http: 18081, management: 18082 },
}

/** Ports the OS picks, so a test run never collides with a developer stack or another run. */
export async function randomPorts(): Promise<StackPorts> {
  return {
    kafka: {
      plaintext: await freePort(),
      sasl: await freePort(),
      ssl: await freePort(),
      controller: await freePort(),
    },
    registry: { http: await freePort(), management: await freePort() },
  }
}

export interface StartOptions {
  dir: string
  ports: StackPorts
  /** Wipe earlier data (topics, schemas) before starting. */
  fresh?: boolean
  /** Which services to start; both by default. */
  services?: { kafka: boolean; registry: boolean }
}

const infoFile = (dir: string) => path.join(dir, 'stack.json')

/** Starts both services (ending any left over from an earlier run in `dir` first). */
export async function startStack(options: StartOptions): Promise<Partial<StackInfo>> {
  const { dir, ports } = options
  await stopStack(dir)
  if (options.fresh) rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const services = options.services ?? { kafka: true, registry: true }
  const skipped = Promise.resolve(undefined)
  const [kafka, registry] = await Promise.allSettled([
    services.kafka ? startKafka(path.join(dir, 'kafka'), ports.kafka) : skipped,
    services.registry ? startRegistry(path.join(dir, 'registry'), ports.registry) : skipped,
  ])
  if (kafka.status === 'rejected' || registry.status === 'rejected') {
    await stopStack(dir)
    const reasons = [kafka, registry]
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason)))
    throw new Error(`the local stack could not start:\n${reasons.join('\n\n')}`)
  }
  const info: Partial<StackInfo> = {
    bootstrap: kafka.value?.bootstrap,
    saslBootstrap: kafka.value?.saslBootstrap,
    sslBootstrap: kafka.value?.sslBootstrap,
    tls: kafka.value?.tls,
    registryUrl: registry.value?.url,
  }
  writeFileSync(infoFile(dir), JSON.stringify(info, null, 2))
  return info
}

/** The addresses of a stack started in `dir`, if it was. */
export function readStack(dir: string): StackInfo | undefined {
  return existsSync(infoFile(dir))
    ? (JSON.parse(readFileSync(infoFile(dir), 'utf8')) as StackInfo)
    : undefined
}

export async function stopStack(dir: string): Promise<void> {
  await Promise.all([stopKafka(path.join(dir, 'kafka')), stopRegistry(path.join(dir, 'registry'))])
  rmSync(infoFile(dir), { force: true })
}
