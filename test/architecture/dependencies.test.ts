// The dependency rule of eslint.dependencies.js is live: an import pointing outward fails lint
// (and so CI), one pointing inward passes. Linted as text at made-up paths inside src/.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: process.cwd() })

async function violations(
  filePath: string,
  code: string,
  rule = 'import-x/no-restricted-paths'
): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message)
}

describe('dependencies point inward', () => {
  it.each([
    ['src/core/probe.ts', "import '../http/cors.ts'", /src\/core holds protocol-neutral types/],
    [
      'src/kafka/probe.ts',
      "import '../protocol/generated/messages/request-header.ts'",
      /only src\/protocol imports generated code/,
    ],
    ['src/http/probe.ts', "import '../kafka-listener/sni.ts'", /a door imports no other door/],
    ['src/kafka-listener/probe.ts', "import '../stream/session.ts'", /no HTTP service/],
    ['src/policy/probe.ts', "import '../produce/produce-service.ts'", /the policy engine decides/],
    ['src/produce/probe.ts', "import '../http/cors.ts'", /services .* are protocol-neutral/],
    ['src/views/probe.ts', "import '../runtime/services.ts'", /no composition root/],
    ['src/tls/probe.ts', "import '../kafka/client-config.ts'", /src\/tls .* knows no Kafka client/],
    ['src/tls/probe.ts', "import '../policy/index.ts'", /infrastructure .* knows no engine/],
    ['src/tls/probe.ts', "import '../http/cors.ts'", /infrastructure .* knows no engine/],
    ['src/kms/probe.ts', "import '../kafka/client-config.ts'", /src\/kms .* core, config/],
    ['src/kms/probe.ts', "import '../policy/index.ts'", /infrastructure .* knows no engine/],
    ['src/http/probe.ts', "import '../kms/index.ts'", /doors never handle keys/],
    ['src/kafka-listener/probe.ts', "import '../kms/index.ts'", /doors never handle keys/],
    [
      'src/observability/probe.ts',
      "import '../kafka/client/port.ts'",
      /observability imports nothing of src\/kafka/,
    ],
  ])('%s: %s is refused', async (file, code, message) => {
    expect(await violations(file, code)).toEqual([expect.stringMatching(message)])
  })

  it.each([
    ['src/http/probe.ts', "import '../policy/index.ts'"],
    ['src/kafka-listener/probe.ts', "import '../protocol/index.ts'"],
    ['src/runtime/probe.ts', "import '../http/app.ts'"],
    ['src/http/probe.ts', "import '../tls/index.ts'"],
    ['src/kafka-listener/probe.ts', "import '../tls/index.ts'"],
    ['src/kms/probe.ts', "import '../core/errors.ts'"],
    ['src/policy/probe.ts', "import '../kms/index.ts'"],
    ['src/kafka/probe.ts', "import '../observability/logger.ts'"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await violations(file, code)).toEqual([])
  })
})

describe('only its adapter imports a Kafka client library', () => {
  const rule = 'no-restricted-imports'

  it.each([
    ['src/observability/access-log/probe.ts', "import type { Kafka } from 'kafkajs'"],
    ['src/produce/probe.ts', "import { CompressionTypes } from 'kafkajs'"],
    ['src/kafka/producer/probe.ts', "import type { Producer } from 'kafkajs'"],
    ['src/kafka/consumer/probe.ts', "import 'kafkajs/types/index.js'"],
    ['src/kafka/platformatic/probe.ts', "import { Kafka } from 'kafkajs'"],
  ])('%s: %s is refused', async (file, code) => {
    expect(await violations(file, code, rule)).toEqual([
      expect.stringMatching(/only the kafkajs adapter \(src\/kafka\/kafkajs\/\) imports kafkajs/),
    ])
  })

  it.each([
    ['src/kafka/producer/probe.ts', "import { Producer } from '@platformatic/kafka'"],
    ['src/kafka/kafkajs/probe.ts', "import '@platformatic/kafka/dist/errors.js'"],
    ['src/produce/probe.ts', "import type { Producer } from '@platformatic/kafka'"],
  ])('%s: %s is refused', async (file, code) => {
    expect(await violations(file, code, rule)).toEqual([
      expect.stringMatching(
        /only the @platformatic\/kafka adapter \(src\/kafka\/platformatic\/\) imports @platformatic\/kafka/
      ),
    ])
  })

  it.each([
    ['src/kafka/kafkajs/probe.ts', "import { Kafka } from 'kafkajs'"],
    ['src/kafka/platformatic/probe.ts', "import { Producer } from '@platformatic/kafka'"],
    ['src/observability/probe.ts', "import pino from 'pino'"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await violations(file, code, rule)).toEqual([])
  })
})
