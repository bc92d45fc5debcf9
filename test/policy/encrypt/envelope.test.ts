// Envelope encryption, write side and read side together: values round-trip, fail when altered
// or moved, and a data key is never used past its count or age.
import { describe, expect, it } from 'vitest'
import {
  DataKeyCache,
  DataKeyUsedUpError,
  decodeHeader,
  Envelope,
  EnvelopeReader,
  TamperedValueError,
  valueContext,
  type EnvelopeOptions,
} from '../../../src/policy/encrypt/index.ts'
import { FakeKms, gate } from './fake-kms.ts'

function setup(options: Partial<EnvelopeOptions> = {}) {
  const kms = new FakeKms()
  const envelope = new Envelope({ kms, kmsName: 'local', kekId: 'orders', ...options })
  const reader = new EnvelopeReader({
    kms: (name) => (name === 'local' ? kms : undefined),
    cache: new DataKeyCache(),
  })
  return { kms, envelope, reader }
}

const ssn = valueContext('customers', '/ssn')

describe('envelope encryption', () => {
  it('round-trips a value through the header a record carries', async () => {
    const { envelope, reader } = setup()
    const sealer = await envelope.prepareWrite()
    const sealed = sealer.seal(Buffer.from('123-45-6789'), ssn)
    expect(sealed.includes(Buffer.from('123-45-6789'))).toBe(false)
    const header = sealer.header(['/ssn'])
    expect(decodeHeader(header)).toMatchObject({ kms: 'local', kekId: 'orders', targets: ['/ssn'] })
    const opener = await reader.prepareRead(header)
    expect(opener.open(sealed, ssn).toString()).toBe('123-45-6789')
  })

  it('seals each value with a fresh IV: the same plaintext twice gives two ciphertexts', async () => {
    const { envelope } = setup()
    const sealer = await envelope.prepareWrite(2)
    const a = sealer.seal(Buffer.from('same'), ssn)
    const b = sealer.seal(Buffer.from('same'), ssn)
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false)
    expect(a.equals(b)).toBe(false)
  })

  it('never repeats an IV, across refills of the pool IVs are cut from', async () => {
    const { envelope } = setup()
    const sealer = await envelope.prepareWrite(2_000)
    const ivs = new Set<string>()
    for (let i = 0; i < 2_000; i++) {
      ivs.add(sealer.seal(Buffer.from('x'), ssn).subarray(0, 12).toString('hex'))
    }
    expect(ivs.size).toBe(2_000)
  })

  it('detects a flipped bit anywhere in the IV, ciphertext or tag', async () => {
    const { envelope, reader } = setup()
    const sealer = await envelope.prepareWrite()
    const sealed = sealer.seal(Buffer.from('secret'), ssn)
    const opener = await reader.prepareRead(sealer.header(['/ssn']))
    for (const at of [0, 12, sealed.length - 1]) {
      const altered = Buffer.from(sealed)
      altered[at]! ^= 1
      expect(() => opener.open(altered, ssn)).toThrow(TamperedValueError)
    }
    expect(() => opener.open(sealed.subarray(0, 10), ssn)).toThrow(/at least 28 bytes/)
  })

  it('binds the topic and field: a ciphertext moved elsewhere does not decrypt', async () => {
    const { envelope, reader } = setup()
    const sealer = await envelope.prepareWrite()
    const sealed = sealer.seal(Buffer.from('secret'), ssn)
    const opener = await reader.prepareRead(sealer.header(['/ssn']))
    expect(() => opener.open(sealed, valueContext('customers', '/name'))).toThrow(
      /moved from another field or topic/
    )
    expect(() => opener.open(sealed, valueContext('audit', '/ssn'))).toThrow(TamperedValueError)
    expect(opener.open(sealed, ssn).toString()).toBe('secret')
  })

  it('generates a new data key after maxEncryptionsPerDek encryptions', async () => {
    const { kms, envelope } = setup({ maxEncryptionsPerDek: 3 })
    const headers = new Set<string>()
    for (let i = 0; i < 7; i++) {
      const sealer = await envelope.prepareWrite()
      sealer.seal(Buffer.from('x'), ssn)
      headers.add(sealer.header(['/ssn']).toString('base64'))
    }
    expect(kms.generated).toBe(3)
    expect(headers.size).toBe(3)
  })

  it('never reserves more than the limit, however many writes wait at once', async () => {
    const { kms, envelope } = setup({ maxEncryptionsPerDek: 4 })
    const held = gate()
    kms.gate = held.promise
    const writes = Array.from({ length: 50 }, (_, i) => envelope.prepareWrite(1 + (i % 3)))
    held.open()
    const sealers = await Promise.all(writes)
    const perDek = new Map<string, number>()
    sealers.forEach((sealer, i) => {
      const count = 1 + (i % 3)
      for (let n = 0; n < count; n++) sealer.seal(Buffer.from('x'), ssn)
      // One more than reserved: taken from the DEK only if it has one left.
      let extra = 1
      try {
        sealer.seal(Buffer.from('x'), ssn)
      } catch (err) {
        expect(err).toBeInstanceOf(DataKeyUsedUpError)
        extra = 0
      }
      const dek = decodeHeader(sealer.header([])).wrappedDek.toString('base64')
      perDek.set(dek, (perDek.get(dek) ?? 0) + count + extra)
    })
    expect(Math.max(...perDek.values())).toBeLessThanOrEqual(4)
    expect(perDek.size).toBe(kms.generated)
    // The 50 writers waiting on the first DEK shared one KMS call for it.
    expect(kms.generated).toBeLessThan(50)
  })

  it('seals past a reservation from the same data key only while it has encryptions left', async () => {
    const { kms, envelope, reader } = setup({ maxEncryptionsPerDek: 3 })
    const sealer = await envelope.prepareWrite(1)
    const sealed = [0, 1, 2].map((i) => sealer.seal(Buffer.from(`v${i}`), ssn))
    expect(() => sealer.seal(Buffer.from('v3'), ssn)).toThrow(DataKeyUsedUpError)
    // All three under the one DEK its header names; the next write gets a new one.
    const opener = await reader.prepareRead(sealer.header(['/ssn']))
    expect(sealed.map((s) => opener.open(s, ssn).toString())).toEqual(['v0', 'v1', 'v2'])
    await envelope.prepareWrite(1)
    expect(kms.generated).toBe(2)
  })

  it('generates a new data key once the current one is maxDekAgeMs old', async () => {
    let now = 1_000_000
    const { kms, envelope } = setup({ maxDekAgeMs: 60_000, now: () => now })
    const first = (await envelope.prepareWrite()).header([])
    now += 59_999
    expect((await envelope.prepareWrite()).header([]).equals(first)).toBe(true)
    now += 1
    expect((await envelope.prepareWrite()).header([]).equals(first)).toBe(false)
    expect(kms.generated).toBe(2)
  })

  it('refuses limits past the NIST bound for random IVs', () => {
    expect(() => setup({ maxEncryptionsPerDek: 2 ** 32 + 1 })).toThrow(/NIST SP 800-38D/)
    expect(() => setup({ maxDekAgeMs: 0 })).toThrow(/maxDekAgeMs must be positive/)
  })

  it('fails a write with a retriable error when the KMS is down, sealing nothing', async () => {
    const { kms, envelope } = setup()
    kms.failing = 'unavailable'
    await expect(envelope.prepareWrite()).rejects.toMatchObject({
      code: 'kms-unavailable',
      retriable: true,
    })
    kms.failing = undefined
    await expect(envelope.prepareWrite()).resolves.toMatchObject({ remaining: 1 })
  })
})
