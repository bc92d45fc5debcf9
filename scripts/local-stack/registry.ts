// Apicurio Registry on 127.0.0.1, run from the application archive on Maven Central. Weir talks to
// its Confluent-compatible API (/apis/ccompat/v7), the same API Confluent Schema Registry serves.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { startDaemon, stopDaemon, waitUntilReady } from './daemon.ts'
import { findJava } from './java.ts'
import { apicurioAppDir } from './maven.ts'

export interface RunningRegistry {
  /** Base URL of the Confluent-compatible API. */
  url: string
  pid: number
}

export const ccompatPath = '/apis/ccompat/v7'

export interface RegistryPorts {
  http: number
  /** Quarkus's management interface (health, metrics). */
  management: number
}

/** Starts the registry with its H2 database in `dir`; resolves once the ccompat API answers. */
export async function startRegistry(dir: string, ports: RegistryPorts): Promise<RunningRegistry> {
  const java = findJava(21)
  const app = await apicurioAppDir()
  mkdirSync(dir, { recursive: true })
  const settings: Record<string, string> = {
    'quarkus.http.host': '127.0.0.1',
    'quarkus.http.port': String(ports.http),
    // Left alone, the management interface takes port 9000 on every interface.
    'quarkus.management.host': '127.0.0.1',
    'quarkus.management.port': String(ports.management),
    'apicurio.datasource.url': `jdbc:h2:file:${path.join(dir, 'db')};DB_CLOSE_ON_EXIT=FALSE`,
    // Deleting subjects and versions is part of the Confluent API that tests and users rely on.
    'apicurio.rest.deletion.group.enabled': 'true',
    'apicurio.rest.deletion.artifact.enabled': 'true',
    'apicurio.rest.deletion.artifact-version.enabled': 'true',
    'quarkus.log.level': 'WARN',
    'quarkus.log.category."io.quarkus.bootstrap.runner.Timing".level': 'INFO',
  }
  const daemon = startDaemon({
    name: 'Apicurio Registry',
    command: java,
    args: [
      '-Xms64m',
      '-Xmx512m',
      ...Object.entries(settings).map(([key, value]) => `-D${key}=${value}`),
      '-jar',
      path.join(app, 'quarkus-run.jar'),
    ],
    cwd: dir,
    logFile: path.join(dir, 'registry.log'),
    pidFile: path.join(dir, 'registry.pid'),
  })
  const url = `http://127.0.0.1:${ports.http}${ccompatPath}`
  await waitUntilReady(daemon, () => registryAnswers(url), 120_000)
  return { url, pid: daemon.pid }
}

export async function registryAnswers(url: string): Promise<boolean> {
  const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) })
  return res.ok
}

export function stopRegistry(dir: string): Promise<void> {
  return stopDaemon(path.join(dir, 'registry.pid'))
}
