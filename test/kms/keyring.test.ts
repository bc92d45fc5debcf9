// The keyring KMS against real files: data keys round-trip, and a KEK removed from (or replaced
// in) the file makes its data keys unwrappable, typed as a key that is gone.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpStatus, kafkaErrorCode } from '../../src/core/errors.ts'
import { createKeyManagement, Keyring, KmsError } from '../../src/kms/index.ts'

let dir: string
let file: string
const kek = () => randomBytes(32).toString('base64')

function writeKeys(keys: Record<string, string>): void {
  writeFileSync(
    file,
    `keys:\n${Object.entries(keys)
      .map(([k, v]) => `  ${k}: ${v}\n`)
      .join('')}`
  )
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'weir-keyring-'))
  file = path.join(dir, 'keyring.yaml')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('the keyring KMS', () => {
  it('generates 32-byte data keys that unwrap to the same bytes', async () => {
    writeKeys({ orders: kek() })
    const keyring = new Keyring({ file })
    const dek = await keyring.generateDataKey('orders')
    expect(dek.plaintext).toHaveLength(32)
    expect(dek.wrapped.equals(dek.plaintext)).toBe(false)
    expect((await keyring.unwrapDataKey('orders', dek.wrapped)).equals(dek.plaintext)).toBe(true)
  })

  it('reads JSON keyrings too, through a kms: entry of the configuration', async () => {
    writeFileSync(file, JSON.stringify({ keys: { orders: kek() } }))
    const kms = createKeyManagement({ name: 'local', kind: 'keyring', file })
    const dek = await kms.generateDataKey('orders')
    expect((await kms.unwrapDataKey('orders', dek.wrapped)).equals(dek.plaintext)).toBe(true)
  })

  it('a KEK deleted from the file leaves its data keys unreadable (crypto-shredding)', async () => {
    writeKeys({ orders: kek(), other: kek() })
    const keyring = new Keyring({ file })
    const dek = await keyring.generateDataKey('orders')
    writeKeys({ other: kek() })
    const failure = keyring.unwrapDataKey('orders', dek.wrapped)
    await expect(failure).rejects.toBeInstanceOf(KmsError)
    await expect(failure).rejects.toMatchObject({
      failure: 'key-not-found',
      code: 'kms-key-unavailable',
      kekId: 'orders',
      retriable: false,
      message: expect.stringContaining('no KEK "orders"'),
    })
    await expect(keyring.generateDataKey('orders')).rejects.toMatchObject({
      failure: 'key-not-found',
    })
  })

  it('a KEK replaced by other bytes under the same id does not unwrap the old keys', async () => {
    writeKeys({ orders: kek() })
    const keyring = new Keyring({ file })
    const dek = await keyring.generateDataKey('orders')
    writeKeys({ orders: kek() })
    await expect(keyring.unwrapDataKey('orders', dek.wrapped)).rejects.toMatchObject({
      failure: 'key-not-found',
      message: expect.stringContaining('did not wrap this data key'),
    })
  })

  it('binds the KEK id: a key wrapped under one id does not unwrap under another', async () => {
    const same = kek()
    writeKeys({ a: same, b: same })
    const keyring = new Keyring({ file })
    const dek = await keyring.generateDataKey('a')
    await expect(keyring.unwrapDataKey('b', dek.wrapped)).rejects.toMatchObject({
      failure: 'key-not-found',
    })
  })

  it('an unreadable keyring is a retriable failure: 503 and REQUEST_TIMED_OUT', async () => {
    const keyring = new Keyring({ file: path.join(dir, 'missing.yaml') })
    const failure = keyring.generateDataKey('orders')
    await expect(failure).rejects.toMatchObject({
      failure: 'unavailable',
      code: 'kms-unavailable',
      retriable: true,
      retryAfterSeconds: 1,
    })
    expect(httpStatus('kms-unavailable')).toBe(503)
    expect(kafkaErrorCode('kms-unavailable')).toBe(7)
  })

  it('refuses a KEK that is not 32 bytes, naming the rule', async () => {
    writeKeys({ orders: randomBytes(16).toString('base64') })
    await expect(new Keyring({ file }).generateDataKey('orders')).rejects.toMatchObject({
      failure: 'unavailable',
      message: expect.stringContaining('32 random bytes in base64'),
    })
  })
})
