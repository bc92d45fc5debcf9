// The bench's linger for kafkajs: what arrives within the linger goes in one send, and every
// item settles as its send does.
import { describe, expect, it } from 'vitest'
import { lingering } from '../../bench/linger.ts'

describe('lingering', () => {
  it('sends the items added within the linger together, and later ones in a new send', async () => {
    const sends: number[][] = []
    const add = lingering<number>(5, async (items) => {
      sends.push([...items])
    })
    await Promise.all([add(1), add(2), add(3)])
    await add(4)
    expect(sends).toEqual([[1, 2, 3], [4]])
  })

  it('rejects every item of a failed send with its error', async () => {
    const add = lingering<string>(1, () => Promise.reject(new Error('broker down')))
    const results = await Promise.allSettled([add('a'), add('b')])
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('broker down') },
      { status: 'rejected', reason: new Error('broker down') },
    ])
  })
})
