// The `kms:` providers across reloads: an unchanged entry keeps its provider, one that changed or
// went is closed, but only after the calls it may be serving have had time to finish.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Kms } from '../../../src/config/schema/kms.ts'
import type { KeyManagement } from '../../../src/kms/index.ts'
import { KmsProviders } from '../../../src/policy/encrypt/kms-providers.ts'

const keyring = (name: string, file: string) => Kms.parse({ name, kind: 'keyring', file })

describe('KMS providers across reloads', () => {
  afterEach(() => vi.useRealTimers())

  it('keeps an unchanged entry, and closes a changed or removed one a minute later', () => {
    vi.useFakeTimers()
    const providers = new KmsProviders()
    const first = providers.resolve([keyring('a', '/a'), keyring('b', '/b'), keyring('c', '/c')])
    providers.adopt(first)
    const closed: string[] = []
    for (const [name, { kms }] of first) {
      vi.spyOn(kms as KeyManagement, 'close').mockImplementation(() => void closed.push(name))
    }
    const second = providers.resolve([keyring('a', '/a'), keyring('b', '/b2')])
    expect(second.get('a')).toBe(first.get('a'))
    expect(second.get('b')?.kms).not.toBe(first.get('b')?.kms)
    providers.adopt(second)
    vi.advanceTimersByTime(59_999)
    expect(closed).toEqual([])
    vi.advanceTimersByTime(1)
    expect(closed.sort()).toEqual(['b', 'c'])
  })
})
