import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { GatewayError } from '../../src/core/errors.ts'
import { anonymous } from '../../src/core/principal.ts'
import type { ConsumedRecord } from '../../src/kafka/consumer/types.ts'
import { emptyCursor, encodeCursor, type Cursor } from '../../src/stream/cursor.ts'
import { isGap, type Delivery, type OverflowPolicy } from '../../src/stream/delivery-queue.ts'
import type { Rendered } from '../../src/stream/endpoint.ts'
import { StreamSession, type SessionEnd } from '../../src/stream/session.ts'
import {
  consumed,
  deferred,
  fakeEndpoint,
  FakeSubscription,
  flush,
  plainRecord,
  silentLogger,
} from './fakes.ts'

interface Setup {
  buffer?: { maxRecords?: number; maxBytes?: number; onOverflow?: OverflowPolicy }
  ackOnTake?: boolean
  prefix?: string
  render?: (record: ConsumedRecord) => Rendered | Promise<Rendered>
  cursor?: Cursor
  /** Attach a subscription right away (default true). */
  attach?: boolean
}

function setup(options: Setup = {}) {
  const endpoint = fakeEndpoint({ prefix: options.prefix, render: options.render })
  const ends: SessionEnd[] = []
  const logger = silentLogger()
  const session = new StreamSession({
    endpoint,
    principal: anonymous,
    topics: ['orders'],
    cursor: options.cursor ?? emptyCursor,
    buffer: { maxRecords: 100, maxBytes: 1_000_000, onOverflow: 'close', ...options.buffer },
    ackOnTake: options.ackOnTake ?? true,
    logger,
    onEnd: (_session, end) => ends.push(end),
  })
  const subscription = new FakeSubscription()
  if (options.attach !== false) session.attach(subscription)
  return { session, subscription, ends, endpoint, logger }
}

function takeAll(session: StreamSession): Delivery[] {
  const out: Delivery[] = []
  for (let d = session.take(); d !== undefined; d = session.take()) out.push(d)
  return out
}

const label = (d: Delivery): string =>
  isGap(d) ? `gap:${d.skipped}` : `${d.topic}/${d.partition}@${d.offset}`

const cursorText = (session: StreamSession) => encodeCursor(session.cursor)

describe('StreamSession: delivery', () => {
  it('hands records to the door in arrival order and moves the cursor as they are taken', () => {
    const { session } = setup()
    expect(session.deliver(consumed(0))).toBe('ok')
    expect(session.deliver(consumed(5, { partition: 1 }))).toBe('ok')
    expect(session.deliver(consumed(1))).toBe('ok')
    expect(session.pending).toBe(3)
    expect(session.cursor).toBe(emptyCursor)

    expect(label(session.take() as Delivery)).toBe('orders/0@0')
    expect(cursorText(session)).toBe('1~orders~1')
    expect(takeAll(session).map(label)).toEqual(['orders/1@5', 'orders/0@1'])
    expect(cursorText(session)).toBe('1~orders~2_6')
    expect(session.take()).toBeUndefined()
    expect(session.pending).toBe(0)
  })

  it('wakes the door when a delivery becomes available', () => {
    const { session } = setup()
    const wake = vi.fn()
    session.onWake(wake)
    session.deliver(consumed(0))
    expect(wake).toHaveBeenCalledTimes(1)
    session.onWake(undefined)
    session.deliver(consumed(1))
    expect(wake).toHaveBeenCalledTimes(1)
  })

  it('acks a filtered record at once, and moves the cursor past it only when nothing is queued', () => {
    const keepOdd = (r: ConsumedRecord) =>
      Number(r.offset) % 2 === 1 ? plainRecord(r, r.topic) : null
    const { session, subscription } = setup({ render: keepOdd })
    const wake = vi.fn()
    session.onWake(wake)

    session.deliver(consumed(0)) // filtered, queue empty
    expect(subscription.acks).toEqual([['orders', 0, '0']])
    expect(cursorText(session)).toBe('1~orders~1')
    expect(wake).not.toHaveBeenCalled()

    session.deliver(consumed(1)) // queued
    session.deliver(consumed(2)) // filtered behind a queued record
    expect(subscription.acks).toEqual([
      ['orders', 0, '0'],
      ['orders', 0, '2'],
    ])
    expect(cursorText(session)).toBe('1~orders~1') // a resume must still read 1

    expect(takeAll(session).map(label)).toEqual(['orders/0@1'])
    expect(cursorText(session)).toBe('1~orders~2') // conservative: 2 is read again on resume

    session.deliver(consumed(4)) // filtered, queue empty again
    expect(cursorText(session)).toBe('1~orders~5')
  })
})

describe('StreamSession: asynchronous rendering', () => {
  it('keeps arrival order when a later record renders synchronously or sooner', async () => {
    const slow = deferred<Rendered>()
    const sooner = deferred<Rendered>()
    const records = [consumed(0), consumed(1), consumed(2), consumed(3)]
    const renders = new Map<ConsumedRecord, Rendered | Promise<Rendered>>([
      [records[0] as ConsumedRecord, slow.promise],
      [records[1] as ConsumedRecord, plainRecord(records[1] as ConsumedRecord, 'orders')],
      [records[2] as ConsumedRecord, sooner.promise],
      [records[3] as ConsumedRecord, plainRecord(records[3] as ConsumedRecord, 'orders')],
    ])
    const { session } = setup({ render: (r) => renders.get(r) ?? null })
    const wake = vi.fn()
    session.onWake(wake)
    for (const r of records) expect(session.deliver(r)).toBe('ok')
    expect(session.pending).toBe(0)

    sooner.resolve(plainRecord(records[2] as ConsumedRecord, 'orders'))
    await flush()
    expect(session.take()).toBeUndefined() // record 0 still renders

    slow.resolve(plainRecord(records[0] as ConsumedRecord, 'orders'))
    await flush()
    expect(wake).toHaveBeenCalled()
    expect(takeAll(session).map(label)).toEqual([
      'orders/0@0',
      'orders/0@1',
      'orders/0@2',
      'orders/0@3',
    ])
    expect(cursorText(session)).toBe('1~orders~4')
  })

  it('drops (and acks) a record whose rendering failed, logging it, and goes on', async () => {
    const failing = deferred<Rendered>()
    const records = [consumed(0), consumed(1)]
    const { session, subscription, logger } = setup({
      render: (r) => (r === records[0] ? failing.promise : plainRecord(r, 'orders')),
    })
    const error = vi.spyOn(logger, 'error')
    session.deliver(records[0] as ConsumedRecord)
    session.deliver(records[1] as ConsumedRecord)
    failing.reject(new Error('bug'))
    await flush()
    expect(error).toHaveBeenCalledTimes(1)
    expect(subscription.acks).toEqual([['orders', 0, '0']])
    expect(takeAll(session).map(label)).toEqual(['orders/0@1'])
  })

  it('ends on a rendering the engine could not do, leaving no failure behind it unhandled', async () => {
    // Two records waiting on a KMS that does not answer: the session ends on the first, and the
    // second's failure, which nobody awaits any more, must not surface as an unhandled rejection.
    const pending = [deferred<Rendered>(), deferred<Rendered>()]
    let i = 0
    const { session, ends } = setup({ render: () => pending[i++]?.promise ?? null })
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      session.deliver(consumed(0))
      session.deliver(consumed(1))
      const down = () => new GatewayError('kms-unavailable', 'the KMS did not answer')
      pending[0]?.reject(down())
      pending[1]?.reject(down())
      await flush()
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(ends).toEqual([{ kind: 'failed', error: expect.any(GatewayError) }])
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('answers full while as many renderings as the buffer holds are pending, ready once drained', async () => {
    const pending = [deferred<Rendered>(), deferred<Rendered>()]
    let i = 0
    const { session, subscription } = setup({
      buffer: { maxRecords: 2 },
      render: (r) => pending[i++]?.promise ?? plainRecord(r, 'orders'),
    })
    expect(session.deliver(consumed(0))).toBe('ok')
    expect(session.deliver(consumed(1))).toBe('full')
    for (const d of pending) d.resolve(null)
    await flush()
    expect(subscription.readies).toBe(1)
    expect(session.deliver(consumed(2))).toBe('ok')
  })

  it('queues nothing from a rendering that finishes after the session ended', async () => {
    const slow = deferred<Rendered>()
    const record = consumed(0)
    const { session, ends } = setup({ render: () => slow.promise })
    session.deliver(record)
    await session.close()
    slow.resolve(plainRecord(record, 'orders'))
    await flush()
    expect(session.take()).toBeUndefined()
    expect(ends).toEqual([{ kind: 'closed' }])
  })

  it('delivers in arrival order under any mix of sync, async and filtered renderings', async () => {
    const step = fc.record({
      partition: fc.nat(2),
      mode: fc.constantFrom('sync', 'async', 'filtered', 'async-filtered'),
      takeAfter: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(step, { maxLength: 40 }), async (s, plan) => {
        const records = plan.map((p, i) => consumed(i, { partition: p.partition }))
        const modes = new Map(records.map((r, i) => [r, (plan[i] as (typeof plan)[number]).mode]))
        const render = (r: ConsumedRecord): Rendered | Promise<Rendered> => {
          const mode = modes.get(r) as string
          const out = mode.endsWith('filtered') ? null : plainRecord(r, 'orders')
          return mode.startsWith('async') ? s.schedule(Promise.resolve(out)) : out
        }
        const { session, subscription } = setup({ render })
        const taken: Delivery[] = []
        plan.forEach((p, i) => {
          session.deliver(records[i] as ConsumedRecord)
          if (p.takeAfter) taken.push(...takeAll(session))
        })
        await s.waitIdle()
        taken.push(...takeAll(session))

        const kept = records.filter((r) => !(modes.get(r) as string).endsWith('filtered'))
        expect(taken.map(label)).toEqual(kept.map((r) => `orders/${r.partition}@${r.offset}`))
        // Every record acknowledged exactly once: filtered ones at once, the others as taken.
        const acked = subscription.acks.map(([, , offset]) => Number(offset)).sort((a, b) => a - b)
        expect(acked).toEqual(records.map((_, i) => i))
        // The cursor is at least past the last record taken of each partition.
        for (const r of kept) {
          const next = Number(session.cursor.get('orders')?.get(r.partition))
          expect(next).toBeGreaterThan(Number(r.offset))
        }
      })
    )
  })
})

describe('StreamSession: backpressure and overflow', () => {
  it('answers full at the buffer limit and calls ready() once drained to the low-water mark', () => {
    const { session, subscription } = setup({ buffer: { maxRecords: 4 } })
    expect([0, 1, 2, 3].map((o) => session.deliver(consumed(o)))).toEqual([
      'ok',
      'ok',
      'ok',
      'full',
    ])
    session.take() // 3 left: above the mark of 2
    expect(subscription.readies).toBe(0)
    session.take() // 2 left: at the mark
    expect(subscription.readies).toBe(1)
    takeAll(session)
    expect(subscription.readies).toBe(1)
    expect(session.deliver(consumed(4))).toBe('ok')
  })

  it('answers full at the byte limit too', () => {
    const { session, subscription } = setup({ buffer: { maxRecords: 100, maxBytes: 1 } })
    expect(session.deliver(consumed(0))).toBe('full') // an empty buffer takes any one record
    session.take()
    expect(subscription.readies).toBe(1)
  })

  it('ends the session as overflowed with onOverflow: close', () => {
    const { session, subscription, ends } = setup({ buffer: { maxRecords: 2 } })
    const wake = vi.fn()
    session.deliver(consumed(0))
    session.deliver(consumed(1))
    session.onWake(wake)
    session.deliver(consumed(2))

    expect(ends).toHaveLength(1)
    const end = ends[0] as SessionEnd
    expect(end.kind).toBe('overflow')
    const error = (end as { error: GatewayError }).error
    expect(error).toBeInstanceOf(GatewayError)
    expect(error.code).toBe('overloaded')
    expect(error.detail).toContain('"orders-live"')
    expect(session.ended).toBe(end)
    expect(wake).toHaveBeenCalled()
    expect(subscription.unsubscribes).toBe(1)
    // What was queued is released: it comes again to whoever reads next (nothing acked).
    expect(session.pending).toBe(0)
    expect(session.take()).toBeUndefined()
    expect(subscription.acks).toEqual([])
    expect(session.deliver(consumed(3))).toBe('ok')
    expect(ends).toHaveLength(1)
  })

  it('skips with onOverflow: skip, acking the skipped records, and a gap notice moves the cursor', () => {
    const { session, subscription, ends } = setup({
      buffer: { maxRecords: 2, onOverflow: 'skip' },
      prefix: 'acme.',
    })
    session.deliver(consumed(0, { topic: 'acme.orders' }))
    session.deliver(consumed(1, { topic: 'acme.orders' }))
    expect(session.deliver(consumed(2, { topic: 'acme.orders' }))).toBe('full')
    expect(session.deliver(consumed(7, { topic: 'acme.orders', partition: 1 }))).toBe('full')
    expect(session.deliver(consumed(3, { topic: 'acme.orders' }))).toBe('full')
    expect(subscription.acks).toEqual([
      ['acme.orders', 0, '2'],
      ['acme.orders', 1, '7'],
      ['acme.orders', 0, '3'],
    ])
    expect(ends).toEqual([])

    expect(takeAll(session).map(label)).toEqual(['orders/0@0', 'orders/0@1', 'gap:3'])
    // The taken records are acked too (ackOnTake), under backend names.
    expect(subscription.acks.slice(3)).toEqual([
      ['acme.orders', 0, '0'],
      ['acme.orders', 0, '1'],
    ])
    expect(cursorText(session)).toBe('1~orders~4_8')
    expect(subscription.readies).toBe(1)
  })

  it('hands out the gap where the records were, and taking it moves the cursor past them', () => {
    const { session } = setup({ buffer: { maxRecords: 2, onOverflow: 'skip' } })
    for (const r of [consumed(0), consumed(1), consumed(2), consumed(9, { partition: 1 })]) {
      session.deliver(r)
    }
    session.deliver(consumed(3))
    expect(label(session.take() as Delivery)).toBe('orders/0@0')
    expect(label(session.take() as Delivery)).toBe('orders/0@1')
    expect(cursorText(session)).toBe('1~orders~2')
    const gap = session.take()
    expect(gap).toEqual({
      type: 'gap',
      skipped: 3,
      ranges: [
        { topic: 'orders', partition: 0, from: '2', to: '3' },
        { topic: 'orders', partition: 1, from: '9', to: '9' },
      ],
    })
    expect(cursorText(session)).toBe('1~orders~4_10')
    expect(session.take()).toBeUndefined()
  })
})

describe('StreamSession: acknowledgements', () => {
  it('sends acks given before attach() once attached, in order, with backend names', () => {
    const keepOdd = (r: ConsumedRecord) =>
      Number(r.offset) % 2 === 1 ? plainRecord(r, 'orders') : null
    const { session } = setup({ attach: false, prefix: 'acme.', render: keepOdd })
    session.deliver(consumed(0, { topic: 'acme.orders' })) // filtered: acked
    session.deliver(consumed(1, { topic: 'acme.orders' }))
    session.take() // ackOnTake
    expect(session.ack('orders', 3, '42')).toBe(true)
    const subscription = new FakeSubscription()
    session.attach(subscription)
    expect(subscription.acks).toEqual([
      ['acme.orders', 0, '0'],
      ['acme.orders', 0, '1'],
      ['acme.orders', 3, '42'],
    ])
    session.ack('orders', 3, '43')
    expect(subscription.acks).toHaveLength(4)
  })

  it('acks at take with ackOnTake', () => {
    const { session, subscription } = setup({ ackOnTake: true })
    session.deliver(consumed(0))
    session.deliver(consumed(1))
    expect(subscription.acks).toEqual([])
    session.take()
    expect(subscription.acks).toEqual([['orders', 0, '0']])
    session.ackTaken() // nothing left over
    expect(subscription.acks).toEqual([['orders', 0, '0']])
  })

  it('acks what was taken only on ackTaken() without ackOnTake', () => {
    const { session, subscription } = setup({ ackOnTake: false })
    for (const o of [0, 1, 2]) session.deliver(consumed(o))
    session.take()
    session.take()
    expect(subscription.acks).toEqual([])
    session.ackTaken()
    expect(subscription.acks).toEqual([
      ['orders', 0, '0'],
      ['orders', 0, '1'],
    ])
    session.ackTaken()
    expect(subscription.acks).toHaveLength(2)
    session.take()
    session.ackTaken()
    expect(subscription.acks).toEqual([
      ['orders', 0, '0'],
      ['orders', 0, '1'],
      ['orders', 0, '2'],
    ])
  })

  it('takes client acks for its own topics only, mapped to backend names', () => {
    const { session, subscription } = setup({ prefix: 'acme.' })
    expect(session.ack('orders', 1, '10')).toBe(true)
    expect(session.ack('acme.orders', 1, '11')).toBe(false)
    expect(session.ack('payments', 1, '12')).toBe(false)
    expect(subscription.acks).toEqual([['acme.orders', 1, '10']])
  })
})

describe('StreamSession: cursor and topic names', () => {
  it('seeds only partitions missing from the cursor, from backend names', () => {
    const cursor: Cursor = new Map([['orders', new Map([[0, '5']])]])
    const { session } = setup({ cursor, prefix: 'acme.' })
    session.seed([
      { topic: 'acme.orders', partition: 0, offset: '9' },
      { topic: 'acme.orders', partition: 1, offset: '7' },
    ])
    expect(cursorText(session)).toBe('1~orders~5_7')
  })

  it('delivers backend records under client names, keeps the cursor in them, acks in backend ones', () => {
    const { session, subscription } = setup({ prefix: 'acme.' })
    session.deliver(consumed(3, { topic: 'acme.orders', partition: 2 }))
    const d = session.take() as Delivery
    expect(label(d)).toBe('orders/2@3')
    expect([...session.cursor.keys()]).toEqual(['orders'])
    expect(cursorText(session)).toBe('1~orders~2.4')
    expect(subscription.acks).toEqual([['acme.orders', 2, '3']])
  })
})

describe('StreamSession: ending', () => {
  it('ends with shutdown when the hub closes, unsubscribing and waking the door', () => {
    const { session, subscription, ends } = setup()
    const wake = vi.fn()
    session.onWake(wake)
    session.closed({ kind: 'shutdown' })
    expect(ends).toEqual([{ kind: 'shutdown' }])
    expect(session.ended).toEqual({ kind: 'shutdown' })
    expect(wake).toHaveBeenCalledTimes(1)
    expect(subscription.unsubscribes).toBe(1)
    session.shutdown()
    expect(ends).toHaveLength(1)
  })

  it('ends as failed when the hub gives up', () => {
    const { session, ends } = setup()
    const error = new GatewayError('backend-unavailable', 'gone')
    session.closed({ kind: 'failed', error })
    expect(ends).toEqual([{ kind: 'failed', error }])
  })

  it('leaves what was queued to be taken after a shutdown', () => {
    const { session } = setup()
    session.deliver(consumed(0))
    session.shutdown()
    expect(takeAll(session).map(label)).toEqual(['orders/0@0'])
    expect(session.deliver(consumed(1))).toBe('ok')
    expect(session.take()).toBeUndefined()
  })

  it('close() ends the session once and unsubscribes', async () => {
    const { session, subscription, ends } = setup()
    const wake = vi.fn()
    session.onWake(wake)
    await session.close()
    expect(ends).toEqual([{ kind: 'closed' }])
    expect(subscription.unsubscribes).toBe(1)
    expect(wake).toHaveBeenCalledTimes(1)
    await session.close()
    expect(ends).toHaveLength(1)
    expect(wake).toHaveBeenCalledTimes(1)
  })

  it('unsubscribes on attach when it was closed before subscribe() resolved', async () => {
    const { session, ends } = setup({ attach: false })
    await session.close()
    const subscription = new FakeSubscription()
    session.attach(subscription)
    expect(subscription.unsubscribes).toBe(1)
    expect(ends).toEqual([{ kind: 'closed' }])
  })

  it('calls onEnd once, however many ways it ends', async () => {
    const { session, ends } = setup({ buffer: { maxRecords: 1 } })
    session.deliver(consumed(0))
    session.deliver(consumed(1)) // overflow
    session.closed({ kind: 'shutdown' })
    session.shutdown()
    await session.close()
    expect(ends.map((e) => e.kind)).toEqual(['overflow'])
  })
})
