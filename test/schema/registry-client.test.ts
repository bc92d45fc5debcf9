import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SchemaRegistryConfig } from '../../src/config/index.ts'
import { GatewayError } from '../../src/core/errors.ts'
import { RegistryClient } from '../../src/schema/registry-client.ts'
import type { Transport } from '../../src/schema/transport.ts'
import { startFakeRegistry, type FakeRegistry } from './fake-registry.ts'

const avroSchema = { type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] }
const avroSchema2 = {
  type: 'record',
  name: 'A',
  fields: [
    { name: 'x', type: 'int' },
    { name: 'y', type: 'int', default: 0 },
  ],
}

let fake: FakeRegistry
let clock: { now: number }

beforeEach(async () => {
  fake = await startFakeRegistry()
  clock = { now: 0 }
})
afterEach(() => fake.close())

function client(
  config: Partial<SchemaRegistryConfig> = {},
  transport?: Transport,
  stale?: string[]
) {
  return new RegistryClient(
    { name: 'main', url: fake.url, cacheTtlMs: 1000, requestTimeoutMs: 2000, ...config },
    {
      now: () => clock.now,
      transport,
      onStale: (registry, lookup) => stale?.push(`${registry}: ${lookup}`),
    }
  )
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    return err as GatewayError
  }
  throw new Error('expected the call to fail')
}

describe('RegistryClient lookups', () => {
  it('fetches a schema by id once; ids are immutable', async () => {
    const id = fake.add('a-value', avroSchema)
    const registry = client()
    const first = await registry.schemaById(id)
    expect(first).toEqual({
      id,
      schemaType: 'AVRO',
      schema: JSON.stringify(avroSchema),
      references: [],
    })
    clock.now = 1_000_000
    expect(await registry.schemaById(id)).toEqual(first)
    expect(fake.requests).toEqual([`GET /schemas/ids/${id}`])
  })

  it('shares one request among concurrent misses', async () => {
    const id = fake.add('a-value', avroSchema)
    const registry = client()
    await Promise.all([registry.schemaById(id), registry.schemaById(id), registry.schemaById(id)])
    await Promise.all([
      registry.subjectVersion('a-value', 'latest'),
      registry.subjectVersion('a-value', 'latest'),
    ])
    expect(fake.requests).toEqual([
      `GET /schemas/ids/${id}`,
      'GET /subjects/a-value/versions/latest',
    ])
  })

  it('maps schemaType: absent is Avro, JSON is JSON Schema', async () => {
    const id = fake.add('j-value', { type: 'object' }, 'JSON')
    expect((await client().schemaById(id)).schemaType).toBe('JSON')
  })

  it('looks up subject versions and spares the later lookup by id', async () => {
    const v1 = fake.add('a-value', avroSchema)
    const v2 = fake.add('a-value', avroSchema2)
    const registry = client()
    expect(await registry.subjectVersion('a-value', 'latest')).toMatchObject({
      subject: 'a-value',
      version: 2,
      id: v2,
    })
    expect(await registry.subjectVersion('a-value', 1)).toMatchObject({ version: 1, id: v1 })
    await registry.schemaById(v2)
    expect(fake.requests).toEqual([
      'GET /subjects/a-value/versions/latest',
      'GET /subjects/a-value/versions/1',
    ])
  })

  it('asks again once cacheTtlMs has passed, and sees a new latest version', async () => {
    fake.add('a-value', avroSchema)
    const registry = client()
    expect((await registry.subjectVersion('a-value', 'latest')).version).toBe(1)
    fake.add('a-value', avroSchema2)
    clock.now = 999
    expect((await registry.subjectVersion('a-value', 'latest')).version).toBe(1)
    clock.now = 1000
    expect((await registry.subjectVersion('a-value', 'latest')).version).toBe(2)
    expect(fake.requests).toHaveLength(2)
  })

  it('encodes subjects in paths', async () => {
    fake.add('a/b value', avroSchema)
    await client().subjectVersion('a/b value', 'latest')
    expect(fake.requests).toEqual(['GET /subjects/a%2Fb%20value/versions/latest'])
  })

  it('registers schemas, with their type', async () => {
    const registry = client()
    const id = await registry.register('j-value', {
      schemaType: 'JSON',
      schema: { type: 'string' },
    })
    expect(await registry.schemaById(id)).toMatchObject({ schemaType: 'JSON' })
    expect(await registry.register('a-value', { schemaType: 'AVRO', schema: avroSchema })).not.toBe(
      id
    )
  })
})

describe('RegistryClient when the registry is down', () => {
  it('serves an expired subject lookup stale, and says so', async () => {
    fake.add('a-value', avroSchema)
    const stale: string[] = []
    const registry = client({}, undefined, stale)
    const before = await registry.subjectVersion('a-value', 'latest')
    fake.down()
    clock.now = 10_000
    expect(await registry.subjectVersion('a-value', 'latest')).toEqual(before)
    expect(stale).toEqual(['main: a-value version latest'])
    fake.up()
  })

  it('with nothing cached: backend-unavailable, naming the registry', async () => {
    fake.down()
    const err = await failure(client().subjectVersion('a-value', 'latest'))
    expect(err.code).toBe('backend-unavailable')
    expect(err.detail).toMatch(/^schema registry "main" is unreachable: /)
  })

  it('a closed port is unreachable too', async () => {
    const url = fake.url
    await fake.close()
    const registry = new RegistryClient({ name: 'gone', url, cacheTtlMs: 1, requestTimeoutMs: 500 })
    const err = await failure(registry.schemaById(1))
    expect(err.code).toBe('backend-unavailable')
    expect(err.detail).toMatch(/schema registry "gone" is unreachable: .*ECONNREFUSED/)
    fake = await startFakeRegistry()
  })

  it('times out after requestTimeoutMs', async () => {
    fake.delay(300)
    const err = await failure(client({ requestTimeoutMs: 50 }).schemaById(1))
    expect(err.code).toBe('backend-unavailable')
    expect(err.detail).toBe('schema registry "main" is unreachable: no answer within 50 ms')
  })

  it('a 5xx is an outage; a failed id lookup is retried, not remembered', async () => {
    const id = fake.add('a-value', avroSchema)
    const registry = client()
    fake.failWith(503)
    const err = await failure(registry.schemaById(id))
    expect(err.code).toBe('backend-unavailable')
    expect(err.detail).toBe('schema registry "main" failed with HTTP 503: injected failure')
    fake.failWith(undefined)
    expect((await registry.schemaById(id)).id).toBe(id)
  })
})

describe('RegistryClient definite answers', () => {
  it('a missing subject, version or id is a configuration error naming it', async () => {
    fake.add('a-value', avroSchema)
    const registry = client()
    const subject = await failure(registry.subjectVersion('nope', 'latest'))
    expect(subject.code).toBe('internal')
    expect(subject.detail).toBe(
      'subject "nope" was not found in schema registry "main"; check the schema policy'
    )
    const version = await failure(registry.subjectVersion('a-value', 9))
    expect(version.detail).toBe(
      'subject "a-value" has no version 9 in schema registry "main"; check the schema policy'
    )
    const id = await failure(registry.schemaById(99))
    expect(id.detail).toBe(
      'schema id 99 was not found in schema registry "main"; check the schema policy'
    )
  })

  it('a 404 after the TTL is an answer, not an outage: no stale schema', async () => {
    fake.add('a-value', avroSchema)
    const registry = client()
    await registry.subjectVersion('a-value', 'latest')
    clock.now = 10_000
    fake.failWith(404)
    expect((await failure(registry.subjectVersion('a-value', 'latest'))).code).toBe('internal')
  })

  it('refused credentials are a configuration error', async () => {
    fake.failWith(401)
    const err = await failure(client().schemaById(1))
    expect(err.code).toBe('internal')
    expect(err.detail).toMatch(/refused Weir's credentials \(HTTP 401\)/)
  })
})

describe('RegistryClient authentication', () => {
  const capture =
    (seen: Record<string, string>[]): Transport =>
    (url, init) => {
      seen.push(init.headers)
      return fetch(url, init)
    }

  it('sends basic credentials', async () => {
    const seen: Record<string, string>[] = []
    fake.add('a-value', avroSchema)
    await client({ basicAuth: { username: 'u', password: 'p:w' } }, capture(seen)).schemaById(1)
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`)
  })

  it('sends a bearer token', async () => {
    const seen: Record<string, string>[] = []
    fake.add('a-value', avroSchema)
    await client({ bearerToken: 't0k' }, capture(seen)).schemaById(1)
    expect(seen[0]?.authorization).toBe('Bearer t0k')
    expect(seen[0]?.accept).toMatch(/application\/vnd\.schemaregistry\.v1\+json/)
  })
})
