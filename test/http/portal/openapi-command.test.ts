// `weir openapi`: prints what the portal serves, for a listener chosen by name.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import { main } from '../../../src/cli.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'weir-openapi-'))
writeFileSync(
  path.join(dir, 'order.avsc'),
  JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] })
)

function configFile(extra = ''): string {
  const file = path.join(dir, `gateway-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(
    file,
    `backendClusters: [{ name: main, bootstrapServers: ['127.0.0.1:9'] }]
schemaRegistries: [{ name: down, url: 'http://127.0.0.1:1', requestTimeoutMs: 1000 }]
virtualClusters: [{ name: vc, backendCluster: main, schemaRegistry: down }]
policies:
  - { name: orders, kind: schema, topics: [orders], value: { format: avro, schemaFile: order.avsc } }
  - { name: payments, kind: schema, topics: [payments], value: { format: avro } }
listeners:
  - name: public
    kind: http
    host: 0.0.0.0
    port: 8088
    routes: [{ path: /orders, virtualCluster: vc, topic: orders, policies: [orders] }]
    streams: [{ name: orders, path: /streams/orders, virtualCluster: vc, topics: [orders] }]
${extra}`
  )
  return file
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...parts) => (out += `${parts.join(' ')}\n`))
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...parts) => (err += `${parts.join(' ')}\n`))
  try {
    return { code: await main(args), out, err }
  } finally {
    write.mockRestore()
    log.mockRestore()
    error.mockRestore()
  }
}

afterEach(() => vi.restoreAllMocks())

describe('weir openapi', () => {
  it('prints the OpenAPI document, with schemaFile read next to the config', async () => {
    const { code, out, err } = await run('openapi', '-c', configFile())
    expect(err).toBe('')
    expect(code).toBe(0)
    const doc = JSON.parse(out)
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers).toEqual([{ url: 'http://0.0.0.0:8088' }])
    expect(doc.components.schemas['orders-value']).toMatchObject({
      title: 'Order',
      required: ['id'],
    })
  })

  it('prints YAML, or the AsyncAPI document', async () => {
    const file = configFile()
    const yaml = await run('openapi', '-c', file, '--format', 'yaml')
    expect(parse(yaml.out)).toMatchObject({ openapi: '3.1.0' })
    const asyncapi = await run('openapi', '-c', file, '--asyncapi')
    expect(JSON.parse(asyncapi.out)).toMatchObject({
      asyncapi: '3.1.0',
      servers: { websocket: { host: '0.0.0.0:8088', protocol: 'ws' } },
    })
  })

  it('needs --listener when there are several http listeners, and says which there are', async () => {
    const file = configFile(`  - { name: other, kind: http, port: 8089 }`)
    const { code, err } = await run('openapi', '-c', file)
    expect(code).toBe(2)
    expect(err).toContain('choose one with --listener (http listeners: "public", "other")')
    const chosen = await run('openapi', '-c', file, '--listener', 'other')
    expect(chosen.code).toBe(0)
    expect(JSON.parse(chosen.out).paths).toEqual({})
  })

  it('prints the document but exits 1 when a registry schema cannot be read', async () => {
    const file = configFile(`  - name: pay
    kind: http
    port: 8090
    routes: [{ path: /payments, virtualCluster: vc, topic: payments, policies: [payments] }]`)
    const { code, out, err } = await run('openapi', '-c', file, '--listener', 'pay')
    expect(code).toBe(1)
    expect(JSON.parse(out).paths['/payments']).toBeDefined()
    expect(err).toContain('schema "payments-value" could not be read')
  })

  it('refuses bad arguments with the usage', async () => {
    expect((await run('openapi')).code).toBe(2)
    const format = await run('openapi', '-c', configFile(), '--format', 'xml')
    expect(format.code).toBe(2)
    expect(format.err).toContain('--format is json or yaml')
  })
})
