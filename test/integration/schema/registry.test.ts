// The schema layer against a real Apicurio Registry (Confluent-compatible API) and a real broker:
// what Weir writes must decode with the standard Confluent deserializer, and back.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import type { KafkaMessage } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import type { SchemaRefConfig, SchemaRegistryConfig } from '../../../src/config/index.ts'
import { GatewayError } from '../../../src/core/errors.ts'
import { RegistryClient } from '../../../src/schema/registry-client.ts'
import { SchemaCatalog } from '../../../src/schema/schemas.ts'
import { NOBODY } from '../../support/ports.ts'
import { startFakeRegistry } from '../../schema/fake-registry.ts'
import { hideKafkaJsTimerWarning } from '../../../scripts/local-stack/warnings.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'

hideKafkaJsTimerWarning()

function registryConfig(overrides: Partial<SchemaRegistryConfig> = {}): SchemaRegistryConfig {
  return {
    name: 'apicurio',
    url: stack().registryUrl,
    cacheTtlMs: 300_000,
    requestTimeoutMs: 5000,
    ...overrides,
  }
}

function ref(fields: Partial<SchemaRefConfig> = {}): SchemaRefConfig {
  return { format: 'avro', subjectStrategy: 'topic', version: 'latest', ...fields }
}

const orderSchema = (namespace: string) => ({
  type: 'record',
  name: 'Order',
  namespace,
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    {
      name: 'shipTo',
      type: [
        'null',
        { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }] },
      ],
      default: null,
    },
    { name: 'tags', type: { type: 'map', values: 'long' }, default: {} },
  ],
})

const personJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
  },
}

function serializedBytes(result: Awaited<ReturnType<SchemaCatalog['serialize']>>): Buffer {
  if (!result.ok) throw new Error(`violations: ${JSON.stringify(result.violations)}`)
  return result.bytes
}

describe('schema layer with Apicurio', () => {
  it('Avro by topic strategy: bytes decode with the Confluent deserializer', async () => {
    const topic = uniqueName('schema-avro')
    const registry = new RegistryClient(registryConfig())
    const id = await registry.register(`${topic}-value`, {
      schemaType: 'AVRO',
      schema: orderSchema('weir.it'),
    })
    const catalog = new SchemaCatalog([registryConfig()])
    const context = { topic, part: 'value' as const, registry: 'apicurio' }

    // Natural JSON and Avro's wrapped union form both serialize.
    const natural = {
      id: 'o-1',
      amount: 12.5,
      note: 'rush',
      shipTo: { city: 'Oslo' },
      tags: { a: 1 },
    }
    const wrapped = {
      ...natural,
      note: { string: 'rush' },
      shipTo: { 'weir.it.Address': { city: 'Oslo' } },
    }
    for (const value of [natural, wrapped]) {
      const result = await catalog.serialize(ref(), context, value)
      expect(result.ok && result.schemaId).toBe(id)
      expect(await confluent().decode(serializedBytes(result))).toEqual(natural)
    }
    // Missing fields with defaults are filled in.
    const defaults = await catalog.serialize(ref(), context, { id: 'o-2', amount: 1 })
    expect(await confluent().decode(serializedBytes(defaults))).toEqual({
      id: 'o-2',
      amount: 1,
      note: null,
      shipTo: null,
      tags: {},
    })
  })

  it('Avro violations list every problem with its path', async () => {
    const topic = uniqueName('schema-avro-bad')
    await new RegistryClient(registryConfig()).register(`${topic}-value`, {
      schemaType: 'AVRO',
      schema: orderSchema('weir.bad'),
    })
    const catalog = new SchemaCatalog([registryConfig()])
    const result = await catalog.serialize(
      ref(),
      { topic, part: 'value', registry: 'apicurio' },
      {
        id: 1,
        amount: 'abc',
        shipTo: { town: 'Oslo' },
        extra: true,
      }
    )
    expect(result).toEqual({
      ok: false,
      violations: [
        { path: '/id', message: 'expected string, got number 1', part: 'value' },
        { path: '/amount', message: 'expected double, got string "abc"', part: 'value' },
        { path: '/shipTo/city', message: 'missing required field "city"', part: 'value' },
        { path: '/shipTo/town', message: 'unknown field "town"', part: 'value' },
        { path: '/extra', message: 'unknown field "extra"', part: 'value' },
      ],
    })
  })

  it('JSON Schema: bytes decode with the Confluent deserializer', async () => {
    const topic = uniqueName('schema-json')
    const id = await new RegistryClient(registryConfig()).register(`${topic}-value`, {
      schemaType: 'JSON',
      schema: personJsonSchema,
    })
    const catalog = new SchemaCatalog([registryConfig()])
    const context = { topic, part: 'value' as const, registry: 'apicurio' }
    const r = ref({ format: 'json-schema' })
    const person = { name: 'Ada', age: 36, email: 'ada@example.com' }
    const result = await catalog.serialize(r, context, person)
    expect(result.ok && result.schemaId).toBe(id)
    expect(await confluent().decode(serializedBytes(result))).toEqual(person)

    expect(await catalog.serialize(r, context, { age: -1, email: 'x', nick: 'A' })).toEqual({
      ok: false,
      violations: [
        { path: '/name', message: 'missing required property "name"', part: 'value' },
        { path: '/nick', message: 'unknown property "nick"', part: 'value' },
        { path: '/age', message: 'must be >= 0, got number -1', part: 'value' },
        { path: '/email', message: 'expected format "email", got string "x"', part: 'value' },
      ],
    })
  })

  it('resolves by record strategy, explicit version and id', async () => {
    const namespace = `weir.${uniqueName('ns').replace('-', '')}`
    const recordName = `${namespace}.Order`
    const client = new RegistryClient(registryConfig())
    const v1 = await client.register(recordName, {
      schemaType: 'AVRO',
      schema: orderSchema(namespace),
    })
    const evolved = orderSchema(namespace)
    evolved.fields.push({ name: 'priority', type: 'int', default: 0 } as never)
    const v2 = await client.register(recordName, { schemaType: 'AVRO', schema: evolved })
    expect(v2).not.toBe(v1)

    const catalog = new SchemaCatalog([registryConfig()])
    const context = { topic: 'any-topic', part: 'value' as const, registry: 'apicurio' }
    const latest = await catalog.resolve(ref({ subjectStrategy: 'record', recordName }), context)
    expect(latest).toMatchObject({ id: v2, subject: recordName, version: 2 })
    const pinned = await catalog.resolve(
      ref({ subjectStrategy: 'record', recordName, version: 1 }),
      context
    )
    expect(pinned).toMatchObject({ id: v1, version: 1 })
    const byId = await catalog.resolve(ref({ id: v1 }), context)
    expect(byId.id).toBe(v1)

    const value = { id: 'o-9', amount: 2 }
    expect(await confluent().decode(pinned.encode(value))).toMatchObject(value)
    expect(await confluent().decode(latest.encode(value))).toMatchObject({ ...value, priority: 0 })
  })

  it('a missing subject is a configuration error naming it', async () => {
    const catalog = new SchemaCatalog([registryConfig()])
    const topic = uniqueName('schema-none')
    await expect(
      catalog.resolve(ref(), { topic, part: 'key', registry: 'apicurio' })
    ).rejects.toMatchObject({
      code: 'internal',
      detail: `subject "${topic}-key" was not found in schema registry "apicurio"; check the schema policy`,
    })
  })

  it('round-trips through Kafka: produce what Weir serialized, deserialize what was consumed', async () => {
    const topic = await createTopic('schema-kafka')
    await new RegistryClient(registryConfig()).register(`${topic}-value`, {
      schemaType: 'AVRO',
      schema: orderSchema('weir.kafka'),
    })
    const catalog = new SchemaCatalog([registryConfig()])
    const order = {
      id: 'o-1',
      amount: 3,
      note: null,
      shipTo: { city: 'Bergen' },
      tags: { n: 2 ** 40 },
    }
    const bytes = (
      await catalog.resolve(ref(), { topic, part: 'value', registry: 'apicurio' })
    ).encode(order)

    const kafka = testKafka()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: bytes }] })
    await producer.disconnect()
    const consumer = kafka.consumer({ groupId: uniqueName('schema-it') })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const message = await new Promise<KafkaMessage>((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message: m }) => resolve(m) }).catch(reject)
    })
    await consumer.disconnect()

    const decoded = await catalog.deserialize(message.value as Buffer, 'apicurio')
    expect(decoded).toMatchObject({ format: 'avro', value: order })
    expect(await confluent().decode(message.value as Buffer)).toEqual(order)
  })
})

describe('schema layer when the registry goes away', () => {
  it('serves cached schemas through an outage; fails clearly with nothing cached', async () => {
    const proxy = await startFakeRegistry({ upstream: stack().registryUrl })
    try {
      const topic = uniqueName('schema-outage')
      await new RegistryClient(registryConfig()).register(`${topic}-value`, {
        schemaType: 'AVRO',
        schema: orderSchema('weir.outage'),
      })
      const clock = { now: 0 }
      const catalog = new SchemaCatalog([registryConfig({ url: proxy.url, cacheTtlMs: 1000 })], {
        now: () => clock.now,
      })
      const context = { topic, part: 'value' as const, registry: 'apicurio' }
      const r = ref()
      const first = await catalog.serialize(r, context, { id: 'o-1', amount: 1 })
      expect(first.ok).toBe(true)

      proxy.down()
      clock.now = 3_600_000 // long past the TTL: the cached lookup is stale
      const during = await catalog.serialize(r, context, { id: 'o-2', amount: 2 })
      expect(await confluent().decode(serializedBytes(during))).toMatchObject({ id: 'o-2' })

      const other = { ...context, topic: uniqueName('schema-uncached') }
      const err = await catalog
        .serialize(r, other, { id: 'o-3', amount: 3 })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GatewayError)
      expect(err).toMatchObject({ code: 'backend-unavailable' })
      expect((err as GatewayError).detail).toMatch(/^schema registry "apicurio" is unreachable: /)
    } finally {
      await proxy.close()
    }
  })

  it('nothing cached and the registry unreachable: backend-unavailable', async () => {
    const url = `http://${NOBODY}/apis/ccompat/v7`
    const catalog = new SchemaCatalog([registryConfig({ url, requestTimeoutMs: 1000 })])
    await expect(
      catalog.serialize(ref({ id: 1 }), { topic: 't', part: 'value', registry: 'apicurio' }, {})
    ).rejects.toMatchObject({ code: 'backend-unavailable' })
  })
})

/** The standard Confluent deserializer; its JSON Schema validator needs formats like ours. */
function confluent(): SchemaRegistry {
  const ajv = new Ajv({ allErrors: true })
  formats.default(ajv)
  return new SchemaRegistry(
    { host: stack().registryUrl },
    { [SchemaType.JSON]: { ajvInstance: ajv } }
  )
}
