import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SchemaRegistryConfig } from '../../src/config/index.ts'
import { RegistryClient } from '../../src/schema/registry-client.ts'
import { transportFor } from '../../src/schema/transport.ts'

// A self-signed certificate for 127.0.0.1, valid for a century: test-only, no secret.
const fixtures = path.join(import.meta.dirname, 'fixtures')
const caFile = path.join(fixtures, 'registry-tls.crt')

let server: Server
let url: string

beforeAll(async () => {
  server = createServer(
    { cert: readFileSync(caFile), key: readFileSync(path.join(fixtures, 'registry-tls.key')) },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ schema: '"string"' }))
    }
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function config(tls?: SchemaRegistryConfig['tls']): SchemaRegistryConfig {
  return { name: 'secure', url, cacheTtlMs: 1000, requestTimeoutMs: 2000, tls }
}

describe('registry transport', () => {
  it('trusts a registry signed by the configured CA', async () => {
    const tls = { enabled: true, caFile, rejectUnauthorized: true }
    const schema = await new RegistryClient(config(tls)).schemaById(1)
    expect(schema).toMatchObject({ id: 1, schemaType: 'AVRO', schema: '"string"' })
  })

  it('refuses an untrusted certificate without the CA (an unreachable registry)', async () => {
    await expect(new RegistryClient(config()).schemaById(1)).rejects.toMatchObject({
      code: 'backend-unavailable',
    })
  })

  it('can skip verification when told to (tests only)', async () => {
    const tls = { enabled: true, rejectUnauthorized: false }
    expect((await new RegistryClient(config(tls)).schemaById(1)).id).toBe(1)
  })

  it('refuses TLS settings with an http:// URL', () => {
    const tls = { enabled: true, caFile, rejectUnauthorized: true }
    expect(() => transportFor({ ...config(tls), url: 'http://127.0.0.1:1' })).toThrow(
      /has TLS settings but an http:\/\/ URL/
    )
  })
})
