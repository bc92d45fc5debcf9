// CPU per record of encrypt policies in the policy engine, in process (no broker, no network):
// what every door runs per record on the way in (encryptFor) and out (recordEditsFor on the fetch side,
// which decrypts for a principal allowed to), with encryption off and on in the same run. A
// JSON value of ~200 bytes; one field sealed (by pointer), or the whole value. The data key is
// cached after the first record, as in steady traffic. `node bench/encrypt-records.ts`
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WeirConfigSchema } from '../src/config/schema/index.ts'
import type { RecordView } from '../src/core/records/record-view.ts'
import { PolicyEngine } from '../src/policy/engine.ts'

const dir = mkdtempSync(join(tmpdir(), 'weir-bench-keyring-'))
const file = join(dir, 'keyring.yaml')
writeFileSync(file, `keys:\n  orders: ${randomBytes(32).toString('base64')}\n`)

const value = Buffer.from(
  JSON.stringify({
    id: 123456,
    customer: { name: 'Jane Doe', email: 'jane@example.com', city: 'Springfield' },
    card: '4111 1111 1111 1111',
    items: [
      { sku: 'A-1', qty: 2, price: 12.5 },
      { sku: 'B-7', qty: 1, price: 99.99 },
    ],
  })
)

const engineWith = (encrypt: Record<string, unknown> | undefined) => {
  const policies =
    encrypt === undefined
      ? []
      : [
          {
            name: 'sealed',
            kind: 'encrypt',
            topics: ['orders'],
            kms: 'local',
            kekId: 'orders',
            ...encrypt,
          },
        ]
  return new PolicyEngine(
    WeirConfigSchema.parse({
      backendClusters: [{ name: 'local', bootstrapServers: '127.0.0.1:9092' }],
      virtualClusters: [
        { name: 'vc', backendCluster: 'local', policies: policies.map((p) => p.name) },
      ],
      listeners: [{ name: 'public', kind: 'http', port: 0 }],
      kms: [{ name: 'local', kind: 'keyring', file }],
      policies,
    })
  )
}

const alice = { name: 'alice', method: 'api-key' as const, roles: [] }
const record = (v: Buffer, headers: RecordView['headers'] = []): RecordView => ({
  topic: 'orders',
  key: null,
  value: v,
  headers,
})

/** µs of CPU per record for `n` records through `edit`, after a warm-up. */
async function perRecord(run: () => Promise<void> | void, n: number): Promise<number> {
  for (let i = 0; i < n / 10; i++) await run()
  const start = process.cpuUsage()
  for (let i = 0; i < n; i++) await run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / n
}

const N = 50_000
const results: Record<string, { produce: number; consume: number }> = {}
for (const [label, encrypt] of [
  ['off', undefined],
  ['one field', { fields: { pointers: ['/card'] } }],
  ['whole value', { value: true }],
] as const) {
  const engine = engineWith(encrypt)
  let sealed = record(value)
  const produce = await perRecord(async () => {
    const r = record(value)
    const edit = engine.recordEditsFor('vc', 'orders', alice, 'produce')
    if (edit !== undefined) {
      await edit.prepare([r])
      edit.apply(r)
    }
    sealed = r
  }, N)
  const consume = await perRecord(async () => {
    const r = record(sealed.value as Buffer, sealed.headers)
    const edit = engine.recordEditsFor('vc', 'orders', alice, 'fetch')
    if (edit === undefined) return
    const pending = edit.prepare([r])
    if (pending !== undefined) await pending
    edit.apply(r)
  }, N)
  results[label] = { produce, consume }
}
const off = results.off as { produce: number; consume: number }
for (const [label, { produce, consume }] of Object.entries(results)) {
  console.log(
    `${label.padEnd(12)} produce ${produce.toFixed(2)} µs/record (x${(produce / off.produce).toFixed(1)}), ` +
      `consume ${consume.toFixed(2)} µs/record (x${(consume / off.consume).toFixed(1)})`
  )
}
