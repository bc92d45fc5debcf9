// Which mask applies, decided once in the engine: per topic, side and principal (names, globs and
// roles matched as ACLs match them, `except` exempting), over plain JSON and Confluent-framed
// Avro values (the writer schema fetched from the virtual cluster's registry); anything else
// passes untouched.
import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import type { RecordView } from '../../../src/core/records/record-view.ts'
import { frame } from '../../../src/schema/wire-format.ts'
import { config, principal } from '../fixtures.ts'

const schema = {
  type: 'record',
  name: 'Customer',
  fields: [
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'name', type: 'string' },
  ],
}
const type = avro.Type.forSchema(schema as avro.Schema)

function engine(policies: unknown[]) {
  const fetched: number[] = []
  const e = new PolicyEngine(
    config({
      policies,
      virtualClusters: [
        {
          name: 'vc',
          schemaRegistry: 'main',
          policies: policies.map((p) => (p as { name: string }).name),
        },
      ],
    }),
    {
      maskSchemas: (registry, id) => {
        fetched.push(id)
        expect(registry).toBe('main')
        return Promise.resolve({ format: 'avro', schema: JSON.stringify(schema) })
      },
    }
  )
  return { e, fetched }
}

const record = (value: Buffer | null): RecordView => ({
  topic: 'customers',
  key: null,
  value,
  headers: [],
})
const json = (v: unknown) => Buffer.from(JSON.stringify(v))

async function masked(mask: ReturnType<PolicyEngine['recordEditsFor']>, value: Buffer | null) {
  const r = record(value)
  if (mask === undefined) return r.value
  await mask.prepare([r])
  mask.apply(r)
  return r.value
}

const produceMask = {
  name: 'pii',
  kind: 'mask',
  topics: ['customers'],
  side: 'produce',
  fields: [{ pointers: ['/email'], tags: ['PII'], strategy: 'email' }],
}

const fetchMask = {
  ...produceMask,
  side: 'fetch',
  principals: ['role:support', 'ops-*'],
  except: ['ops-admin'],
}

describe('recordEditsFor', () => {
  it('masks fetch-side values for the principals and roles named, not for those excepted or others', async () => {
    const { e } = engine([fetchMask])
    const value = json({ email: 'jane@example.com', name: 'Jane' })
    const of = (p: ReturnType<typeof principal>) => e.recordEditsFor('vc', 'customers', p, 'fetch')
    expect(JSON.parse(String(await masked(of(principal('ann', ['support'])), value)))).toEqual({
      email: 'j***@example.com',
      name: 'Jane',
    })
    expect(of(principal('ops-bob'))).toBeDefined()
    expect(of(principal('ops-admin'))).toBeUndefined()
    expect(of(principal('carol'))).toBeUndefined()
    expect(e.recordEditsFor('vc', 'orders', principal('ops-bob'), 'fetch')).toBeUndefined()
    expect(e.recordEditsFor('vc', 'customers', principal('ops-bob'), 'produce')).toBeUndefined()
    expect(e.hasMasks('vc')).toBe(true)
  })

  it('masks produce-side JSON values whoever writes them, on the topics named', async () => {
    const { e } = engine([produceMask])
    const mask = e.recordEditsFor('vc', 'customers', principal('anyone'), 'produce')
    const out = await masked(mask, json({ email: 'jane@example.com', name: 'Jane' }))
    expect(JSON.parse(String(out))).toEqual({ email: 'j***@example.com', name: 'Jane' })
    expect(e.recordEditsFor('vc', 'customers', principal('anyone'), 'fetch')).toBeUndefined()
    expect(e.recordEditsFor('vc', 'orders', principal('anyone'), 'produce')).toBeUndefined()
    expect(e.hasMasks('vc')).toBe(true)
  })

  it('masks produce-side values of the writers it names only, not those excepted or others', () => {
    const { e } = engine([{ ...fetchMask, side: 'produce' }])
    const of = (p: ReturnType<typeof principal>) =>
      e.recordEditsFor('vc', 'customers', p, 'produce')
    expect(of(principal('ann', ['support']))).toBeDefined()
    expect(of(principal('ops-bob'))).toBeDefined()
    expect(of(principal('ops-admin'))).toBeUndefined()
    expect(of(principal('carol'))).toBeUndefined()
    expect(e.recordEditsFor('vc', 'customers', principal('ops-bob'), 'fetch')).toBeUndefined()
  })

  it('reads a Confluent-framed Avro value with its writer schema, fetched once, and masks its tagged field', async () => {
    const { e, fetched } = engine([produceMask])
    const mask = e.recordEditsFor('vc', 'customers', principal('ops-bob'), 'produce')
    const value = frame(7, type.toBuffer({ email: 'jane@example.com', name: 'Jane' }))
    const out = (await masked(mask, value)) as Buffer
    expect(out.subarray(0, 5)).toEqual(value.subarray(0, 5))
    expect(type.fromBuffer(out.subarray(5))).toMatchObject({
      email: 'j***@example.com',
      name: 'Jane',
    })
    await masked(mask, value)
    expect(fetched).toEqual([7])
  })

  it('passes values that are neither JSON nor registry-framed untouched', async () => {
    const { e } = engine([produceMask])
    const mask = e.recordEditsFor('vc', 'customers', principal('ops-bob'), 'produce')
    expect(await masked(mask, Buffer.from('plain text'))).toEqual(Buffer.from('plain text'))
    expect(await masked(mask, null)).toBeNull()
  })
})
