// Part of scripts/helm-check.sh: for each manifest set `helm template` rendered, checks that the
// Weir configuration in its ConfigMap is one Weir accepts in the pod's environment (the env the
// Deployment sets, the Secret's keys as files), and that the chart and the config agree: every
// listener a client must reach binds all interfaces on a port the pod exposes, the Kafka
// listener's broker ports are the ones the Services carry, and no exposed port is left unbound.
//   node scripts/deploy-check/helm-config.ts RENDERED.yaml...
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseAllDocuments } from 'yaml'
import { ConfigError, formatIssue, parseConfigDocument } from '../../src/config/index.ts'
import type { WeirConfig } from '../../src/config/index.ts'
import { bindings, isWildcardOrLoopback, reachabilityProblems } from './listeners.ts'

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

const containerOf = (d: Manifest) =>
  (d.spec?.template as { spec: PodSpec }).spec.containers[0] as Container
const componentOf = (d: Manifest) =>
  (d.spec?.template as { metadata: { labels: Record<string, string> } }).metadata.labels[
    'app.kubernetes.io/component'
  ]

function check(file: string, manifests: Manifest[]): string[] {
  const deployments = manifests.filter((m) => m.kind === 'Deployment')
  // The pod that reads the config (the control plane's, when there is one) gives the environment
  // it is expanded in; the gateway pods (data planes then) expose the listeners' ports.
  const deployment = deployments.find((d) =>
    (d.spec?.template as { spec: PodSpec }).spec.volumes?.some((v) => v.name === 'config')
  )
  const gateway = deployments.find((d) => componentOf(d) === 'gateway')
  if (!deployment || !gateway) return ['no Deployment reading the config, or none of gateways']
  const pod = (deployment.spec?.template as { spec: PodSpec }).spec
  const container = containerOf(deployment)
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
    const problems = portProblems(config, containerOf(gateway), manifests)
    if (deployment !== gateway)
      problems.push(...controlPlaneProblems(config, container, gateway, secret))
    return problems
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
  const brokerIds = [...exposed.keys()].flatMap((name) => {
    const id = /^broker-(\d+)$/.exec(name)?.[1]
    return id === undefined ? [] : [Number(id)]
  })
  const portName = { http: 'http', kafka: 'kafka', sni: 'kafka-sni', broker: '' }
  const bound = new Set<string>(['operations'])
  const sniService = manifests.find((m) => m.kind === 'Service' && m.metadata.name.endsWith('-sni'))
  for (const b of bindings(config, brokerIds)) {
    problems.push(...reachabilityProblems(b, (host) => !isWildcardOrLoopback(host)))
    const name = b.kind === 'broker' ? `broker-${b.brokerId}` : portName[b.kind]
    if (exposed.get(name) !== b.port) {
      const pods = exposed.has(name) ? `is ${exposed.get(name)}` : 'does not exist'
      problems.push(`${b.what} binds port ${b.port}; the pod's port ${name} ${pods}`)
    }
    bound.add(name)
    if (b.kind === 'sni') {
      const servicePort = (sniService?.spec?.ports as { port: number }[] | undefined)?.[0]?.port
      if (b.advertisedPort !== servicePort) {
        problems.push(
          `${b.what} tells clients port ${b.advertisedPort}; the SNI Service listens on ${servicePort}`
        )
      }
    }
  }
  for (const name of exposed.keys()) {
    if (!bound.has(name)) problems.push(`the pod exposes port ${name}, which no listener binds`)
  }
  return problems
}

/** The control plane's admin API: reachable by the data planes, and their token accepted. */
function controlPlaneProblems(
  config: WeirConfig,
  controlPlane: Container,
  gateway: Manifest,
  secret: Manifest | undefined
): string[] {
  const admin = config.admin
  if (!admin) return ['a control plane needs an admin section (host, port, dataPlaneTokens)']
  const problems = reachabilityProblems(
    { what: 'the admin listener', kind: 'http', host: admin.host, port: admin.port },
    () => true
  )
  const adminPort = controlPlane.ports?.find((p) => p.name === 'admin')?.containerPort
  if (adminPort !== admin.port) {
    problems.push(
      `the admin listener binds ${admin.port}; the control plane's port admin is ${adminPort}`
    )
  }
  const tokenRef = containerOf(gateway).env?.find((e) => e.name === 'WEIR_CONTROL_PLANE_TOKEN')
  const key = (tokenRef?.valueFrom as { secretKeyRef?: { key: string } } | undefined)?.secretKeyRef
    ?.key
  const token = key === undefined ? undefined : secret?.stringData?.[key]
  if (secret !== undefined && token === undefined) {
    problems.push(`the Secret has no ${key}: the data planes' token`)
  } else if (token !== undefined) {
    const sha256 = createHash('sha256').update(token).digest('hex')
    if (!admin.dataPlaneTokens.some((t) => t.sha256 === sha256)) {
      problems.push(
        `admin.dataPlaneTokens has no entry for the data planes' token (Secret key ${key})`
      )
    }
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
