import { describe, expect, it } from 'vitest'
import { CatchUp } from '../../../src/kafka/reader/catch-up.ts'

describe('catching up with a topic', () => {
  it('is done once every partition reached its end offset at start', async () => {
    const catchUp = new CatchUp()
    catchUp.target(
      new Map([
        [0, '10'],
        [1, '0'],
        [2, '5'],
      ]),
      new Map([
        [0, '0'],
        [1, '0'],
        [2, '5'],
      ])
    )
    expect(catchUp.done).toBe(false)
    expect(catchUp.behind).toBe(1)
    catchUp.advanced(0, 9n)
    expect(catchUp.done).toBe(false)
    catchUp.advanced(0, 10n)
    expect(catchUp.done).toBe(true)
    await catchUp.reached
  })

  it('counts an empty topic, or one read from its end, as caught up at once', () => {
    const empty = new CatchUp()
    empty.target(new Map([[0, '0']]), new Map([[0, '0']]))
    expect(empty.done).toBe(true)
    const none = new CatchUp()
    none.target(new Map(), new Map())
    expect(none.done).toBe(true)
  })

  it('keeps its first target (records written later are not waited for)', () => {
    const catchUp = new CatchUp()
    catchUp.target(new Map([[0, '3']]), new Map([[0, '0']]))
    catchUp.target(new Map([[0, '100']]), new Map([[0, '0']]))
    catchUp.advanced(0, 3n)
    expect(catchUp.done).toBe(true)
  })
})
