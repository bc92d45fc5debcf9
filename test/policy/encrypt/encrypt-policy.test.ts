// Encrypt policies decided once in the engine: what a writer's records become (value, fields,
// key and headers sealed, the `weir-encryption` header saying what), and what a reader sees:
// opened for a principal the ACL allows `decrypt`, as stored for the others, and masks applied
// after decryption to whatever the principal sees.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RecordView } from '../../../src/core/records/record-view.ts'
import { decodeHeader, ENCRYPTION_HEADER } from '../../../src/policy/encrypt/index.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import type { RecordEdit } from '../../../src/policy/mask/index.ts'
import { principal } from '../fixtures.ts'
import { WeirConfigSchema } from '../../../src/config/schema/index.ts'

const alice = principal('alice')
const bob = principal('bob')

function engine(encrypt: Record<string, unknown>, extra: unknown[] = [], registry = false) {
  const dir = mkdtempSync(join(tmpdir(), 'weir-keyring-'))
  const file = join(dir, 'keyring.yaml')
  writeFileSync(file, `keys:\n  orders: ${randomBytes(32).toString('base64')}\n`)
  const policies = [
    {
      name: 'who',
      kind: 'acl',
      rules: [
        { principals: ['*'], names: ['*'], operations: ['produce', 'consume'] },
        { principals: ['alice'], names: ['orders'], operations: ['decrypt'] },
      ],
    },
    {
      name: 'sealed',
      kind: 'encrypt',
      topics: ['orders'],
      kms: 'local',
      kekId: 'orders',
      ...encrypt,
    },
    ...extra,
  ]
  return new PolicyEngine(
    WeirConfigSchema.parse({
      backendClusters: [{ name: 'local', bootstrapServers: '127.0.0.1:9092' }],
      virtualClusters: [
        {
          name: 'vc',
          backendCluster: 'local',
          ...(registry ? { schemaRegistry: 'main' } : {}),
          policies: policies.map((p) => (p as { name: string }).name),
        },
      ],
      listeners: [{ name: 'public', kind: 'http', port: 0 }],
      kms: [{ name: 'local', kind: 'keyring', file }],
      policies,
    }),
    // No schema is ever found: a lookup fails the read.
    { maskSchemas: (_registry, id) => Promise.reject(new Error(`no schema ${id}`)) }
  )
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v))
const record = (value: unknown, extra: Partial<RecordView> = {}): RecordView => ({
  topic: 'orders',
  key: null,
  value: json(value),
  headers: [],
  ...extra,
})

async function through(edit: RecordEdit | undefined, r: RecordView): Promise<RecordView> {
  if (edit === undefined) return r
  await edit.prepare([r])
  edit.apply(r)
  return r
}

const targetsOf = (r: RecordView) => {
  const header = r.headers.find((h) => h.key === ENCRYPTION_HEADER)?.value
  return header ? decodeHeader(header).targets : undefined
}

describe('encrypt policies in the engine', () => {
  it('seals the whole value; alice, allowed to decrypt, reads it clear; bob reads it as stored', async () => {
    const e = engine({ value: true })
    const written = await through(
      e.recordEditsFor('vc', 'orders', alice, 'produce'),
      record({ n: 1 })
    )
    expect(written.value?.toString()).not.toContain('"n"')
    expect(targetsOf(written)).toEqual([''])
    expect(e.decryptFor('vc', 'orders', bob)).toBeUndefined()
    expect(e.recordEditsFor('vc', 'orders', bob, 'fetch')).toBeUndefined()
    const read = await through(e.recordEditsFor('vc', 'orders', alice, 'fetch'), { ...written })
    expect(JSON.parse(String(read.value))).toEqual({ n: 1 })
    expect(read.headers).toEqual([])
    // Topics no policy covers are neither sealed nor opened.
    expect(e.encryptFor('vc', 'payments')).toBeUndefined()
    expect(e.decryptFor('vc', 'payments', alice)).toBeUndefined()
  })

  it('seals fields, the key and named headers, each a target; other headers untouched', async () => {
    const e = engine({ fields: { pointers: ['/card'] }, key: true, headers: ['trace'] })
    const plain = record(
      { card: '4111', id: 7 },
      {
        key: Buffer.from('k1'),
        headers: [
          { key: 'trace', value: Buffer.from('t-1') },
          { key: 'other', value: Buffer.from('o') },
          // A writer's own header never passes as the gateway's.
          { key: ENCRYPTION_HEADER, value: Buffer.from('forged') },
        ],
      }
    )
    const written = await through(e.encryptFor('vc', 'orders'), plain)
    const stored = JSON.parse(String(written.value)) as { card: string; id: number }
    expect(stored.card).toMatch(/^weir-enc:v1:/)
    expect(stored.id).toBe(7)
    expect(written.key?.toString()).not.toBe('k1')
    expect(targetsOf(written)).toEqual(['/card', '@key', '@header:trace'])
    expect(written.headers.filter((h) => h.key === ENCRYPTION_HEADER)).toHaveLength(1)
    expect(written.headers.find((h) => h.key === 'other')?.value?.toString()).toBe('o')
    const read = await through(e.decryptFor('vc', 'orders', alice), written)
    expect(JSON.parse(String(read.value))).toEqual({ card: '4111', id: 7 })
    expect(read.key?.toString()).toBe('k1')
    expect(read.headers.map((h) => [h.key, h.value?.toString()])).toEqual([
      ['trace', 't-1'],
      ['other', 'o'],
    ])
  })

  it('masks apply after decryption: to the clear value for alice, the ciphertext for bob', async () => {
    const mask = {
      name: 'shown',
      kind: 'mask',
      topics: ['orders'],
      fields: [{ pointers: ['/card'], strategy: { kind: 'keep-first', characters: 2 } }],
    }
    const e = engine({ fields: { pointers: ['/card'] } }, [mask])
    const written = await through(e.encryptFor('vc', 'orders'), record({ card: '4111' }))
    const shown = async (who: typeof alice) => {
      const r = await through(e.recordEditsFor('vc', 'orders', who, 'fetch'), { ...written })
      return (JSON.parse(String(r.value)) as { card: string }).card
    }
    expect(await shown(alice)).toBe('41**')
    expect(await shown(bob)).toMatch(/^we\*+$/)
  })

  it('a mask leaves a value sealed whole alone for bob, framed-looking or not', async () => {
    const mask = {
      name: 'shown',
      kind: 'mask',
      topics: ['orders'],
      fields: [{ pointers: ['/card'] }],
    }
    const e = engine({ value: true }, [mask], true)
    const written = await through(e.encryptFor('vc', 'orders'), record({ card: '4111' }))
    // The Confluent wire format's magic byte and a schema id no registry has.
    const framed = { ...written, value: Buffer.concat([Buffer.of(0, 0, 0, 0, 9), written.value!]) }
    for (const sealed of [written, framed]) {
      const before = sealed.value
      const read = await through(e.recordEditsFor('vc', 'orders', bob, 'fetch'), { ...sealed })
      expect(read.value).toBe(before)
    }
  })

  it('a record altered on the way is delivered as stored, not half-opened', async () => {
    const e = engine({ fields: { pointers: ['/card'] } })
    const written = await through(e.encryptFor('vc', 'orders'), record({ card: '4111' }))
    const stored = JSON.parse(String(written.value)) as { card: string }
    const tampered = { ...written, value: json({ card: `${stored.card.slice(0, -2)}AA` }) }
    const before = tampered.value
    const read = await through(e.decryptFor('vc', 'orders', alice), tampered)
    expect(read.value).toBe(before)
    expect(targetsOf(read)).toEqual(['/card'])
  })
})
