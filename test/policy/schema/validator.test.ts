// The one schema validator both doors that write go through: JSON values serialized (HTTP produce,
// request-reply) and bytes a producer serialized (Kafka Produce) get the same verdict for the same
// value under the same policy, with subjects named after the client's topic on both paths.
import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/core/errors.ts'
import type { Payload } from '../../../src/core/payload.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import {
  SchemaValidator,
  type RecordsVerdict,
  type SerializedRecord,
} from '../../../src/policy/schema/index.ts'
import { SchemaCatalog } from '../../../src/schema/schemas.ts'
import { frame } from '../../../src/schema/wire-format.ts'
import { MemoryRegistry } from '../../support/memory-registry.ts'
import { config } from '../fixtures.ts'

const avroOrder = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
}
const jsonOrder = {
  type: 'object',
  properties: { id: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
  required: ['id', 'qty'],
  additionalProperties: false,
}

function setup(
  policy: Record<string, unknown>,
  vc: Record<string, unknown> = { name: 'vc', schemaRegistry: 'main' },
  now?: () => number
) {
  const registry = new MemoryRegistry()
  const engine = new PolicyEngine(
    config({
      policies: [{ name: 'orders-schema', kind: 'schema', topics: ['orders'], ...policy }],
      virtualClusters: [{ ...vc, policies: ['orders-schema'] }],
    })
  )
  const schemas = new SchemaCatalog(
    [{ name: 'main', url: registry.url, cacheTtlMs: 60_000, requestTimeoutMs: 1000 }],
    { transport: registry.transport, now }
  )
  const target = {
    virtualCluster: 'vc',
    topic: 'orders',
    registry: vc.schemaRegistry as string | undefined,
  }
  return { registry, validator: new SchemaValidator(engine, schemas), target }
}

const json = (value: unknown): Payload => ({ kind: 'json', value })
const none: Payload = { kind: 'null' }

/** What the HTTP door gets: bytes, or the refusal's code and violation pointers. */
async function overHttp(
  v: SchemaValidator,
  target: ReturnType<typeof setup>['target'],
  value: unknown
) {
  try {
    const [record] = await v.serialize(target, [{ key: none, value: json(value) }])
    return { ok: true as const, bytes: record?.value as Buffer }
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err
    const violations = (err.extensions.violations ?? []) as { path: string }[]
    return { ok: false as const, code: err.code, paths: violations.map((p) => p.path) }
  }
}

async function overKafka(
  v: SchemaValidator,
  target: ReturnType<typeof setup>['target'],
  values: (Buffer | null)[]
): Promise<RecordsVerdict> {
  const check = v.forTopic(target)
  if (check === undefined) throw new Error('no schema policy applies')
  return check.check(values.map((value) => ({ key: null, value })))
}

describe('one verdict for serialized and serializing doors', () => {
  it('JSON Schema: what serialize refuses, check refuses, naming the same pointer', async () => {
    const { registry, validator, target } = setup({ value: { format: 'json-schema' } })
    const id = registry.add('orders-value', jsonOrder, 'JSON')
    const table = [
      { value: { id: 'a', qty: 2 }, refusedAt: [] },
      { value: { id: 'a', qty: 0 }, refusedAt: ['/qty'] },
      { value: { id: 'a', qty: 1, coupon: 'x' }, refusedAt: ['/coupon'] },
      { value: { qty: 1 }, refusedAt: ['/id'] },
    ]
    for (const row of table) {
      const http = await overHttp(validator, target, row.value)
      const kafka = await overKafka(validator, target, [
        frame(id, Buffer.from(JSON.stringify(row.value))),
      ])
      if (row.refusedAt.length === 0) {
        expect(http).toMatchObject({ ok: true })
        expect(kafka).toEqual({ ok: true })
        // What HTTP writes is what a Kafka producer would have sent.
        expect(await overKafka(validator, target, [http.ok ? http.bytes : null])).toEqual({
          ok: true,
        })
        continue
      }
      expect(http).toEqual({ ok: false, code: 'invalid-record', paths: row.refusedAt })
      expect(kafka).toMatchObject({
        ok: false,
        error: { code: 'invalid-record' },
        recordErrors: [
          { index: 0, message: expect.stringContaining(row.refusedAt[0] ?? '') as string },
        ],
      })
    }
  })

  it('Avro: a value without a field is refused by serialize, and its bytes by check', async () => {
    const { registry, validator, target } = setup({ value: { format: 'avro' } })
    const id = registry.add('orders-value', avroOrder)
    const loose = avro.Type.forSchema({
      type: 'record',
      name: 'Loose',
      fields: [{ name: 'id', type: 'string' }],
    })
    expect(await overHttp(validator, target, { id: 'a' })).toEqual({
      ok: false,
      code: 'invalid-record',
      paths: ['/qty'],
    })
    const kafka = await overKafka(validator, target, [frame(id, loose.toBuffer({ id: 'a' }))])
    expect(kafka).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-record',
        detail: expect.stringMatching(
          /^1 of 1 records break schema policy "orders-schema", so none was written: record 0: the value does not decode with schema id \d+: /
        ) as string,
      },
    })
    const written = await overHttp(validator, target, { id: 'a', qty: 1 })
    expect(written.ok && (await overKafka(validator, target, [written.bytes]))).toEqual({
      ok: true,
    })
  })

  it("names subjects after the client's topic on both paths, whatever the namespace", async () => {
    const { registry, validator, target } = setup(
      { value: { format: 'json-schema' } },
      { name: 'vc', schemaRegistry: 'main', namespace: { prefix: 'tenant-', hidePrefix: true } }
    )
    const id = registry.add('orders-value', jsonOrder, 'JSON')
    const http = await overHttp(validator, target, { id: 'a', qty: 1 })
    expect(http.ok && http.bytes.readInt32BE(1)).toBe(id)
    expect(registry.take()).toContain('GET /subjects/orders-value/versions/latest')
    expect(await overKafka(validator, target, [http.ok ? http.bytes : null])).toEqual({ ok: true })
  })

  it('validate: false has the Kafka path check ids only', async () => {
    const { registry, validator, target } = setup({
      value: { format: 'json-schema' },
      validate: false,
    })
    const id = registry.add('orders-value', jsonOrder, 'JSON')
    const bad = frame(id, Buffer.from('{"id":"a","qty":0}'))
    expect(await overKafka(validator, target, [bad])).toEqual({ ok: true })
    expect(await overKafka(validator, target, [frame(id + 1, Buffer.from('{}'))])).toMatchObject({
      ok: false,
      recordErrors: [
        {
          index: 0,
          message: `the value has schema id ${id + 1}, which schema registry "main" does not know`,
        },
      ],
    })
  })

  it('refuses bytes where a schema wants JSON; passes anything on topics without a policy', async () => {
    const { registry, validator, target } = setup({ value: { format: 'json-schema' } })
    registry.add('orders-value', jsonOrder, 'JSON')
    const bytes: Payload = { kind: 'bytes', value: Buffer.from([1, 2]) }
    await expect(validator.serialize(target, [{ key: none, value: bytes }])).rejects.toMatchObject({
      code: 'unsupported-media-type',
    })
    const free = { ...target, topic: 'clicks' }
    expect(validator.forTopic(free)).toBeUndefined()
    expect(await validator.serialize(free, [{ key: json({ a: 1 }), value: bytes }])).toEqual([
      { key: Buffer.from('{"a":1}'), value: Buffer.from([1, 2]) },
    ])
  })

  it('with the registry down and nothing cached, both paths refuse as retriable', async () => {
    const { registry, validator, target } = setup({ value: { format: 'json-schema' } })
    registry.add('orders-value', jsonOrder, 'JSON')
    registry.down()
    await expect(
      validator.serialize(target, [{ key: none, value: json({ id: 'a', qty: 1 }) }])
    ).rejects.toMatchObject({ code: 'backend-unavailable' })
    expect(await overKafka(validator, target, [frame(1, Buffer.from('{}'))])).toMatchObject({
      ok: false,
      error: {
        code: 'backend-unavailable',
        detail: expect.stringContaining('so none was written (retry)') as string,
      },
    })
  })

  it('a policy with no registry to look ids up in refuses every record', async () => {
    const { validator, target } = setup({ value: { format: 'avro' } }, { name: 'vc' })
    expect(await overKafka(validator, target, [frame(1, Buffer.from([]))])).toMatchObject({
      ok: false,
      error: { code: 'internal', detail: expect.stringContaining('has no registry') as string },
    })
  })
})

describe('serialize on the hot path', () => {
  const avroOrderV2 = {
    ...avroOrder,
    fields: [...avroOrder.fields, { name: 'note', type: ['null', 'string'], default: null }],
  }
  const order = [{ key: none, value: json({ id: 'a', qty: 1 }) }]
  const idOf = (records: SerializedRecord[]) => records[0]?.value?.readInt32BE(1)

  it('answers without a promise while the schema is cached, and follows a new latest version after cacheTtlMs', async () => {
    const clock = { now: 0 }
    const { registry, validator, target } = setup(
      { value: { format: 'avro' } },
      undefined,
      () => clock.now
    )
    const v1 = registry.add('orders-value', avroOrder)
    const first = validator.serialize(target, order)
    expect(first).toBeInstanceOf(Promise)
    expect(idOf(await first)).toBe(v1)

    const cached = validator.serialize(target, order)
    expect(Array.isArray(cached)).toBe(true)
    expect(cached).toEqual([
      {
        key: null,
        value: frame(
          v1,
          avro.Type.forSchema(avroOrder as avro.Schema).toBuffer({ id: 'a', qty: 1 })
        ),
      },
    ])

    const v2 = registry.add('orders-value', avroOrderV2)
    clock.now = 59_999
    expect(idOf(validator.serialize(target, order) as SerializedRecord[])).toBe(v1)
    clock.now = 60_000
    const refreshed = validator.serialize(target, order)
    expect(refreshed).toBeInstanceOf(Promise)
    expect(idOf(await refreshed)).toBe(v2)
    expect(idOf(validator.serialize(target, order) as SerializedRecord[])).toBe(v2)
    expect(registry.take().filter((r) => r.includes('/subjects/'))).toEqual([
      'GET /subjects/orders-value/versions/latest',
      'GET /subjects/orders-value/versions/latest',
    ])
  })

  it('refuses an invalid record at once through a cached schema, naming every violation', async () => {
    const { registry, validator, target } = setup({ value: { format: 'avro' } })
    registry.add('orders-value', avroOrder)
    await validator.serialize(target, order)
    let refusal: unknown
    try {
      validator.serialize(target, [order[0]!, { key: none, value: json({ id: 1 }) }])
    } catch (err) {
      refusal = err
    }
    expect(refusal).toBeInstanceOf(GatewayError)
    expect(refusal).toMatchObject({
      code: 'invalid-record',
      detail: '1 of 2 records do not match the schema; nothing was produced',
      extensions: {
        violations: [
          { record: 1, part: 'value', path: '/id', message: expect.any(String) as string },
          { record: 1, part: 'value', path: '/qty', message: expect.any(String) as string },
        ],
      },
    })
  })
})
