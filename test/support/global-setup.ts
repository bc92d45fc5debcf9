// Starts the real Kafka broker and Schema Registry once per test run, on ports the OS picks, and
// stops them afterwards. WEIR_TEST_BOOTSTRAP / WEIR_TEST_REGISTRY point the run at ones already
// running instead. If anything cannot start, setup throws and the whole run fails: integration
// tests are never skipped for want of infrastructure.
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { stacksDir } from '../../scripts/local-stack/paths.ts'
import {
  randomPorts,
  startStack,
  stopStack,
  type StackInfo,
} from '../../scripts/local-stack/stack.ts'
import { hideKafkaJsTimerWarning } from '../../scripts/local-stack/warnings.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  hideKafkaJsTimerWarning()
  // Services already running can stand in: their addresses (and the SSL listener's CA and
  // client certificate, as ca.crt, client.crt and client.key in WEIR_TEST_TLS_DIR).
  const tlsDir = process.env.WEIR_TEST_TLS_DIR
  const given = {
    bootstrap: process.env.WEIR_TEST_BOOTSTRAP,
    saslBootstrap: process.env.WEIR_TEST_SASL_BOOTSTRAP,
    sslBootstrap: process.env.WEIR_TEST_SSL_BOOTSTRAP,
    tls: tlsDir
      ? {
          caFile: path.join(tlsDir, 'ca.crt'),
          serverKeystoreFile: '',
          clientCertFile: path.join(tlsDir, 'client.crt'),
          clientKeyFile: path.join(tlsDir, 'client.key'),
        }
      : undefined,
    registryUrl: process.env.WEIR_TEST_REGISTRY,
  }
  const services = { kafka: !given.bootstrap, registry: !given.registryUrl }
  const dir = path.join(stacksDir, `test-${process.pid}`)
  const started = services.kafka || services.registry
  const info = started
    ? await startStack({ dir, ports: await randomPorts(), fresh: true, services })
    : {}
  const stack: StackInfo = {
    bootstrap: given.bootstrap ?? info.bootstrap ?? '',
    saslBootstrap: given.saslBootstrap ?? info.saslBootstrap ?? '',
    sslBootstrap: given.sslBootstrap ?? info.sslBootstrap ?? '',
    tls: given.tls ??
      info.tls ?? { caFile: '', serverKeystoreFile: '', clientCertFile: '', clientKeyFile: '' },
    registryUrl: given.registryUrl ?? info.registryUrl ?? '',
  }
  project.provide('stack', stack)
  return async () => {
    if (started) await stopStack(dir)
  }
}
