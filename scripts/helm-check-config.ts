// Part of scripts/helm-check.sh: for each manifest set `helm template` rendered, checks that the
// Weir configuration in its ConfigMap is one Weir accepts in the pod's environment (the env the
// Deployment sets, the Secret's keys as files), and that the chart and the config agree: every
// listener a client must reach binds all interfaces on a port the pod exposes, the Kafka
// listener's broker ports are the ones the Services carry, and no exposed port is left unbound.
//   node scripts/helm-check-config.ts RENDERED.yaml...
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseAllDocuments } from 'yaml'
import { ConfigError, formatIssue, parseConfigDocument } from '../src/config/index.ts'
import type { WeirConfig } from '../src/config/index.ts'

interface Manifest {
  kind: string
  metadata: { name: string }
  data?: Record<string, string>
  stringData?: Record<string, string>
  spec?: Record<string, unknown>
}
interface EnvVar {
  name: string
  value?: string
  valueFrom?: unknown
}
interface Container {
  env?: EnvVar[]
  ports?: { name: string; containerPort: number }[]
  volumeMounts?: { name: string; mountPath: string }[]
}
interface PodSpec {
  containers: Container[]
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[]
}

const allInterfaces = new Set(['0.0.0.0', '::'])

function check(file: string, manifests: Manifest[]): string[] {
  const deployment = manifests.find((m) => m.kind === 'Deployment')
  if (!deployment) return ['no Deployment rendered']
  const pod = (deployment.spec?.template as { spec: PodSpec }).spec
  const container = pod.containers[0] as Container
  const volume = (name: string) => pod.volumes?.find((v) => v.name === name)
  const mountOf = (name: string) => container.volumeMounts?.find((m) => m.name === name)?.mountPath

  const configMap = manifests.find(
    (m) => m.kind === 'ConfigMap' && m.metadata.name === volume('config')?.configMap?.name
  )
  const text = configMap?.data?.['weir.yaml']
  if (text === undefined) {
    console.log(`${file}: the config is an existing ConfigMap: not checked`)
    return []
  }

  // The pod's environment, and nothing from this shell's: a variable the chart does not set fails.
  const env: Record<string, string> = {}
  for (const v of container.env ?? []) env[v.name] = v.value ?? 'from-the-downward-api'

  // The Secret's keys as files where the config will read them; an existing Secret (not rendered)
  // gives no files, so a ${file:} into it is reported as the pod would report it.
  const secretDir = mkdtempSync(path.join(tmpdir(), 'weir-helm-secrets-'))
  let configText = text
  const mountPath = mountOf('secrets')
  const secret = manifests.find(
    (m) => m.kind === 'Secret' && m.metadata.name === volume('secrets')?.secret?.secretName
  )
  if (mountPath !== undefined) {
    for (const [key, value] of Object.entries(secret?.stringData ?? {})) {
      writeFileSync(path.join(secretDir, key), value)
    }
    configText = configText.replaceAll(`\${file:${mountPath}/`, `\${file:${secretDir}/`)
  }
  try {
    const { config } = parseConfigDocument(configText, `${file} (ConfigMap weir.yaml)`, env)
    return portProblems(config, container, manifests)
  } catch (err) {
    if (err instanceof ConfigError) {
      // Name the paths the pod would read, not this check's temporary copies.
      const podPath = (text: string) =>
        mountPath === undefined ? text : text.replaceAll(secretDir, mountPath)
      return err.issues.map((i) => `config: ${podPath(formatIssue(i))}`)
    }
    throw err
  } finally {
    rmSync(secretDir, { recursive: true, force: true })
  }
}

function portProblems(config: WeirConfig, container: Container, manifests: Manifest[]): string[] {
  const problems: string[] = []
  const exposed = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]))
  const bound = new Set<string>(['operations'])
  const bind = (what: string, host: string, port: number, portName: string) => {
    if (!allInterfaces.has(host)) {
      problems.push(`${what} binds ${host}: unreachable from outside the pod (bind 0.0.0.0)`)
    }
    if (exposed.get(portName) !== port) {
      problems.push(
        `${what} binds port ${port}, the pod's port ${portName} is ${exposed.get(portName)}`
      )
    }
    bound.add(portName)
  }
  const sniService = manifests.find((m) => m.kind === 'Service' && m.metadata.name.endsWith('-sni'))
  for (const l of config.listeners) {
    if (l.kind === 'http') {
      bind(`listener ${l.name}`, l.host, l.port, 'http')
    } else if (l.sni) {
      bind(`listener ${l.name}`, l.host, l.port, 'kafka-sni')
      const servicePort = (sniService?.spec?.ports as { port: number }[] | undefined)?.[0]?.port
      if ((l.sni.advertisedPort ?? l.port) !== servicePort) {
        problems.push(
          `listener ${l.name} tells clients port ${l.sni.advertisedPort ?? l.port}, the SNI Service listens on ${servicePort}`
        )
      }
    } else {
      bind(`listener ${l.name}`, l.host, l.port, 'kafka')
      const base = l.brokerPortBase ?? l.port + 1
      for (const [name, port] of exposed) {
        const id = /^broker-(\d+)$/.exec(name)?.[1]
        if (id === undefined) continue
        if (base + Number(id) !== port) {
          problems.push(
            `listener ${l.name} serves broker ${id} on ${base + Number(id)}, not ${port}`
          )
        }
        bound.add(name)
      }
      const advertised = l.advertisedHost ?? l.host
      if (
        allInterfaces.has(advertised) ||
        advertised === '127.0.0.1' ||
        advertised === 'localhost'
      ) {
        problems.push(`listener ${l.name} advertises ${advertised}: clients cannot connect to it`)
      }
    }
  }
  for (const name of exposed.keys()) {
    if (!bound.has(name)) problems.push(`the pod exposes port ${name}, which no listener binds`)
  }
  return problems
}

let failed = false
for (const file of process.argv.slice(2)) {
  const manifests = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null)
  const problems = check(file, manifests)
  for (const p of problems) console.error(`${file}: ${p}`)
  if (problems.length > 0) failed = true
  else console.log(`${file}: the Weir config is valid and its listeners match the pod's ports`)
}
process.exit(failed ? 1 : 0)
