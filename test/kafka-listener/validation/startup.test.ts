// A Kafka listener whose schema policy has no registry to check schema ids in is refused when the
// gateway starts (the integration test starts one that has a registry).
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { startGateway } from '../../../src/gateway.ts'
import { createLogger } from '../../../src/observability/logger.ts'

const config = () =>
  parseConfig(
    `backendClusters:
  - { name: main, bootstrapServers: 127.0.0.1:1 }
virtualClusters:
  - { name: vc, backendCluster: main, policies: [orders-schema] }
policies:
  - { name: orders-schema, kind: schema, topics: [orders], value: { format: avro } }
listeners:
  - { name: kafka, kind: kafka, virtualCluster: vc, port: 0 }
`,
    'test.yaml',
    {}
  )

describe('a Kafka listener with schema policies', () => {
  it('is refused at startup when the policy has no schema registry', async () => {
    const logger = createLogger({ level: 'silent', pretty: false })
    await expect(startGateway(config(), logger)).rejects.toThrow(
      'kafka listener "kafka": schema policy "orders-schema" has no schema registry to check schema ids in; set schemaRegistry on virtual cluster "vc", or registry on the policy'
    )
  })
})
