// Part of scripts/helm-check.sh: docker-compose.yml's Weir, read offline (there may be no Docker
// engine to ask): its config (the file its command names, in its environment) must be valid, every
// listener must bind all interfaces on a port published on the same number (Kafka clients are told
// the bound ports), broker ports must cover the compose broker's node id, clients must be told a
// host that reaches the published ports from the host machine, and the ports must be the Helm
// chart's defaults, so the two deployments stay in step.
//   node scripts/deploy-check/compose.ts [docker-compose.yml] [deploy/helm/weir/values.yaml]
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { ConfigError, formatIssue, loadConfigFile } from '../../src/config/index.ts'
import { repoRoot } from '../local-stack/paths.ts'
import { bindings, reachabilityProblems } from './listeners.ts'

interface Service {
  ports?: string[]
  environment?: Record<string, string | number>
  command?: string[]
}
interface Compose {
  services: Record<string, Service>
}
interface ChartValues {
  ports: { http: number }
  kafka: { port: number; brokerPortBase: number }
}

const composeFile = process.argv[2] ?? path.join(repoRoot, 'docker-compose.yml')
const valuesFile = process.argv[3] ?? path.join(repoRoot, 'deploy/helm/weir/values.yaml')
const compose = parse(readFileSync(composeFile, 'utf8')) as Compose
const values = parse(readFileSync(valuesFile, 'utf8')) as ChartValues

async function check(): Promise<string[]> {
  const weir = compose.services.weir
  const kafka = compose.services.kafka
  if (!weir || !kafka) return ['services weir and kafka are expected']
  const env = Object.fromEntries(
    Object.entries(weir.environment ?? {}).map(([k, v]) => [k, String(v)])
  )
  // The image copies the repository's examples/ to /app/examples (Dockerfile).
  const configArg = weir.command?.[(weir.command?.indexOf('-c') ?? -2) + 1]
  if (configArg === undefined) return ['the weir service names no config file (-c FILE)']
  const configFile = path.join(repoRoot, path.relative('/app', configArg))

  let config
  try {
    config = await loadConfigFile(configFile, env)
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `config: ${formatIssue(i)}`)
    throw err
  }
  const published = new Map<number, number>() // container port → host port
  for (const spec of weir.ports ?? []) {
    const [host, container] = spec.split(':').slice(-2).map(Number)
    if (host !== undefined && container !== undefined) published.set(container, host)
  }
  const problems: string[] = []
  const brokerId = Number(kafka.environment?.KAFKA_NODE_ID)
  for (const b of bindings(config, [brokerId])) {
    const fromHost = (host: string) => host === 'localhost' || host === '127.0.0.1'
    problems.push(...reachabilityProblems(b, fromHost))
    const hostPort = published.get(b.port)
    if (hostPort === undefined) problems.push(`${b.what} binds ${b.port}, which is not published`)
    else if (b.kind !== 'http' && hostPort !== b.port) {
      problems.push(
        `${b.what} binds ${b.port}, published as ${hostPort}: clients are told ${b.port}`
      )
    }
    const chartPort = {
      http: values.ports.http,
      kafka: values.kafka.port,
      broker: values.kafka.brokerPortBase + brokerId,
      sni: b.port,
    }[b.kind]
    if (b.port !== chartPort) {
      problems.push(`${b.what} binds ${b.port}; the Helm chart's default is ${chartPort}`)
    }
  }
  return problems
}

const problems = await check()
for (const p of problems) console.error(`${composeFile}: ${p}`)
if (problems.length === 0) {
  console.log(`${composeFile}: Weir's listeners are published as the Helm chart's defaults`)
}
process.exit(problems.length > 0 ? 1 : 0)
