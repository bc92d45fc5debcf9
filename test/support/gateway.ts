// Runs a real gateway in the test process, against the test stack, from a YAML snippet. Gateways
// live until the end of the test file, so one started in beforeAll serves all its tests.
import { afterAll } from 'vitest'
import { parseConfig, type WeirConfig } from '../../src/config/index.ts'
import { startGateway, type Gateway } from '../../src/gateway.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { stack } from './kafka.ts'

const running: Gateway[] = []

afterAll(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop()))
})

/**
 * `body` holds the sections after backendClusters/schemaRegistries (virtualClusters, policies,
 * listeners...); the backend cluster `main` is the test broker and the registry `registry` the
 * test registry. The first listener should use port 0; the returned url points at it.
 * `moreBackendClusters` and `moreSchemaRegistries` add YAML list items.
 */
export async function startTestGateway(
  body: string,
  env: Record<string, string> = {},
  moreBackendClusters = '',
  moreSchemaRegistries = ''
): Promise<{ url: string; gateway: Gateway; config: WeirConfig }> {
  const config = testConfig(body, env, moreBackendClusters, moreSchemaRegistries)
  const gateway = await startGateway(config, createLogger({ level: 'silent', pretty: false }))
  running.push(gateway)
  return { url: gateway.listeners[0]?.url ?? '', gateway, config }
}

/** The config startTestGateway runs, from the same arguments (for a gateway's reload, say). */
export function testConfig(
  body: string,
  env: Record<string, string> = {},
  moreBackendClusters = '',
  moreSchemaRegistries = ''
): WeirConfig {
  const yaml = `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
    producer:
      lingerMs: 1
${moreBackendClusters}schemaRegistries:
  - name: registry
    url: ${stack().registryUrl}
${moreSchemaRegistries}${body}`
  return parseConfig(yaml, 'test.yaml', { ...process.env, ...env })
}

/** Resolves once the gateway's /readyz answers 200 (views and reply stores loaded). */
export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fetch(`${url}/readyz`)).ok) {
    if (Date.now() > deadline) throw new Error(`${url} did not get ready in ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
