// KMS failures told to the operator: the first of each kind in a window in full, the rest counted,
// and the error still thrown to the caller; a client's detail names no path or provider text.
import { describe, expect, it } from 'vitest'
import { KmsError } from '../../src/kms/index.ts'
import { reportingFailures } from '../../src/kms/reporting.ts'
import { FakeKms } from '../policy/encrypt/fake-kms.ts'

describe('KMS failure reports', () => {
  it('reports the first failure of a kind per 10 s window, counting those it held back', async () => {
    let now = 0
    const reports: [string, string, number][] = []
    const fake = new FakeKms()
    const kms = reportingFailures(
      'local',
      fake,
      (name, err, suppressed) => reports.push([name, err.failure, suppressed]),
      () => now
    )
    fake.failing = 'unavailable'
    for (let i = 0; i < 3; i++) {
      await expect(kms.generateDataKey('k')).rejects.toMatchObject({ code: 'kms-unavailable' })
    }
    fake.failing = 'access-denied'
    await expect(kms.unwrapDataKey('k', Buffer.alloc(1))).rejects.toMatchObject({
      code: 'kms-access-denied',
    })
    now = 10_000
    fake.failing = 'unavailable'
    await expect(kms.generateDataKey('k')).rejects.toBeInstanceOf(KmsError)
    expect(reports).toEqual([
      ['local', 'unavailable', 0],
      ['local', 'access-denied', 0],
      ['local', 'unavailable', 2],
    ])
  })

  it('passes answers through untouched', async () => {
    const kms = reportingFailures('local', new FakeKms(), () => {
      throw new Error('nothing failed')
    })
    const key = await kms.generateDataKey('k')
    expect(await kms.unwrapDataKey('k', key.wrapped)).toEqual(key.plaintext)
  })

  it('keeps paths and provider words out of the detail clients are shown', () => {
    const err = new KmsError('unavailable', 'k', 'keyring /etc/weir/keys.yaml cannot be read')
    expect(err.message).toBe('keyring /etc/weir/keys.yaml cannot be read')
    expect(err.toProblem()).toMatchObject({
      status: 503,
      detail: 'the KMS holding the key-encryption key did not answer; retry later',
    })
  })
})
