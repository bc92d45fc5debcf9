import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/index.ts'
import { MaskPolicy } from '../../../src/config/schema/mask-policy.ts'
import { isSecretField } from '../../../src/config/secret-fields.ts'
import { PolicyCatalog } from '../../../src/policy/chain.ts'
import { compileMaskPolicy } from '../../../src/policy/mask/index.ts'
import { compileAvro, frame, unframe } from '../../../src/schema/index.ts'
import type { SchemaSource } from '../../../src/schema/index.ts'

const user = {
  type: 'record',
  name: 'User',
  fields: [
    { name: 'email', type: 'string', 'confluent:tags': ['PII'] },
    { name: 'card', type: 'string' },
    { name: 'visits', type: 'int' },
  ],
}
const source: SchemaSource = { format: 'avro', schema: JSON.stringify(user) }
const fetchSchema = () => Promise.resolve(source)

const policy = MaskPolicy.parse({
  name: 'pii',
  kind: 'mask',
  topics: ['users'],
  except: ['role:support'],
  fields: [
    { tags: ['PII'], strategy: 'email' },
    { pointers: ['/card'], strategy: { kind: 'keep-last', characters: 4 } },
  ],
})

describe('mask policy', () => {
  it('masks Avro fields by tag and pointer, keeping the record valid for its schema', async () => {
    const written = compileAvro(user).write({
      email: 'jane@example.com',
      card: '4111111111111111',
      visits: 3,
    })
    if (!written.ok) throw new Error('fixture')
    const value = frame(9, written.payload)
    const mask = compileMaskPolicy(policy, { fetchSchema })
    await mask.prepare(value, 'registry')
    const out = mask.apply(value, 'registry') as Buffer
    expect(unframe(out).schemaId).toBe(9)
    expect(compileAvro(user).read(unframe(out).payload)).toEqual({
      email: 'j***@example.com',
      card: '************1111',
      visits: 3,
    })
  })

  it('fills defaults: fetch side, every principal, replace with ***', () => {
    const parsed = MaskPolicy.parse({ name: 'm', kind: 'mask', fields: [{ pointers: ['/a'] }] })
    expect(parsed).toMatchObject({ side: 'fetch', principals: ['*'], except: [], topics: ['*'] })
    expect(parsed.fields[0]?.strategy).toEqual({ kind: 'replace', with: '***' })
  })

  it('refuses a field group with neither pointers nor tags', () => {
    const parsed = MaskPolicy.safeParse({
      name: 'm',
      kind: 'mask',
      fields: [{ strategy: 'email' }],
    })
    expect(parsed.error?.issues[0]?.message).toBe('set pointers, tags, or both')
  })

  it('takes principals on a produce-side mask: whose writes are stored masked', () => {
    const parsed = MaskPolicy.safeParse({ ...policy, side: 'produce' })
    expect(parsed.error).toBeUndefined()
    expect(parsed.data).toMatchObject({ side: 'produce', principals: policy.principals })
  })

  it('treats the hash salt as a secret', () => {
    expect(isSecretField('salt')).toBe(true)
  })

  it('loads from a config file, its salt read from a file, and compiles into the engine', () => {
    const config = parseConfig(
      `
backendClusters: [{ name: local, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters: [{ name: vc, backendCluster: local, policies: [pii] }]
listeners: [{ name: public, kind: http, port: 8080 }]
policies:
  - name: pii
    kind: mask
    fields: [{ tags: [PII], strategy: { kind: hash, salt: '\${file:${import.meta.dirname}/salt.txt}' } }]
`,
      'test.yaml',
      {}
    )
    expect(config.policies[0]).toMatchObject({
      kind: 'mask',
      fields: [{ strategy: { kind: 'hash', salt: 'a-salt-from-a-file-1234' } }],
    })
    expect(new PolicyCatalog(config.policies).chain(['pii']).masks.any).toBe(true)
  })
})
