// What a Weir config binds, as the deployment checks compare it with what a pod or a container
// exposes: each listener's socket, the Kafka listener's broker ports for the given broker ids, and
// what Kafka clients are told to connect to.
import type { WeirConfig } from '../../src/config/index.ts'

export interface Binding {
  /** `listener public`, `listener kafka broker 1` */
  what: string
  kind: 'http' | 'kafka' | 'broker' | 'sni'
  host: string
  port: number
  brokerId?: number
  /** Kafka only: the host (and, with SNI, port) written into metadata for clients. */
  advertisedHost?: string
  advertisedPort?: number
}

export function bindings(config: WeirConfig, brokerIds: readonly number[]): Binding[] {
  const out: Binding[] = []
  for (const l of config.listeners) {
    const what = `listener ${l.name}`
    if (l.kind === 'http') {
      out.push({ what, kind: 'http', host: l.host, port: l.port })
    } else if (l.sni) {
      const advertisedPort = l.sni.advertisedPort ?? l.port
      out.push({ what, kind: 'sni', host: l.host, port: l.port, advertisedPort })
    } else {
      const advertisedHost = l.advertisedHost ?? l.host
      out.push({ what, kind: 'kafka', host: l.host, port: l.port, advertisedHost })
      const base = l.brokerPortBase ?? l.port + 1
      for (const id of brokerIds) {
        out.push({
          what: `${what} broker ${id}`,
          kind: 'broker',
          host: l.host,
          port: base + id,
          brokerId: id,
          advertisedHost,
        })
      }
    }
  }
  return out
}

const allInterfaces = new Set(['0.0.0.0', '::'])

/** Problems of a binding that must be reachable from outside its pod or container. */
export function reachabilityProblems(b: Binding, reachableAdvertised: (host: string) => boolean) {
  const problems: string[] = []
  if (!allInterfaces.has(b.host)) {
    problems.push(`${b.what} binds ${b.host}: unreachable from outside (bind 0.0.0.0)`)
  }
  if (
    b.kind === 'kafka' &&
    b.advertisedHost !== undefined &&
    !reachableAdvertised(b.advertisedHost)
  ) {
    problems.push(`${b.what} advertises ${b.advertisedHost}: clients cannot connect to it`)
  }
  return problems
}

export const isWildcardOrLoopback = (host: string) =>
  allInterfaces.has(host) || host === '127.0.0.1' || host === 'localhost' || host === '::1'
