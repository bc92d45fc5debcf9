import { HttpLifecycle } from '../../../src/http/lifecycle.ts'
import type { ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { errorCatalogue, GatewayError } from '../../../src/core/errors.ts'
import type { Admission, StreamDoorDeps } from '../../../src/http/streams/admission.ts'
import { LongPollDoor } from '../../../src/http/streams/long-poll.ts'
import type { ConsumedRecord } from '../../../src/kafka/consumer/types.ts'
import { decodeCursor } from '../../../src/stream/cursor.ts'
import type { GapNotice } from '../../../src/stream/delivery-queue.ts'
import { streamEndpoint, type StreamEndpoint } from '../../../src/stream/endpoint.ts'
import type { StreamRecord } from '../../../src/stream/record.ts'
import { StreamService } from '../../../src/stream/stream-service.ts'
import {
  alice,
  consumed,
  deferred,
  FakeHub,
  FakePolicies,
  silentLogger,
  streamConfig,
  virtualCluster,
  noTransforms,
} from '../../stream/fakes.ts'

/** The part of ServerResponse the door writes to. */
class FakeResponse {
  status: number | undefined
  headers: Record<string, string | number> | undefined
  body: string | undefined

  writeHead(status: number, headers: Record<string, string | number>): this {
    this.status = status
    this.headers = headers
    return this
  }

  end(body: string): this {
    this.body = body
    return this
  }

  get answer(): { cursor: string; records: StreamRecord[]; gaps?: GapNotice[] } {
    if (this.body === undefined) throw new Error('no answer written')
    return JSON.parse(this.body) as { cursor: string; records: StreamRecord[]; gaps?: GapNotice[] }
  }
}

interface PollOptions {
  cursor?: string
  max?: string
  wait?: string
  topics?: string[]
}

function setup(config: Partial<Parameters<typeof streamConfig>[0]> = {}) {
  const hub = new FakeHub()
  hub.positions = [{ topic: 'orders', partition: 0, offset: '10' }]
  const service = new StreamService({ hub, policies: new FakePolicies(), logger: silentLogger() })
  const deps: StreamDoorDeps = {
    service,
    lifecycle: new HttpLifecycle({
      authenticate: async () => alice,
      apiKeyHeaders: () => [],
      accepting: () => true,
      logger: silentLogger(),
    }),
  }
  const door = new LongPollDoor(deps)
  const endpoint: StreamEndpoint = streamEndpoint(
    streamConfig({
      longPoll: { maxRecords: 3, maxWaitMs: 1000, keepMs: 5000 },
      maxConnectionsPerPrincipal: 5,
      ...config,
    }),
    virtualCluster(),
    {
      schemas: { deserialize: () => Promise.reject(new Error('unused')) },
      policies: noTransforms,
    }
  )

  /** Starts a poll; `leave()` makes the client go away before the answer. */
  function poll(options: PollOptions = {}) {
    const query = new URLSearchParams()
    if (options.cursor !== undefined) query.set('cursor', options.cursor)
    if (options.max !== undefined) query.set('max', options.max)
    query.set('wait', options.wait ?? '0')
    const admission: Admission = {
      principal: alice,
      topics: options.topics ?? ['orders'],
      cursor: options.cursor === undefined ? undefined : decodeCursor(options.cursor),
    }
    const aborted = deferred<void>()
    let gone = false
    const response = new FakeResponse()
    const done = door.poll(
      {
        endpoint,
        admission,
        query,
        cursorText: query.get('cursor'),
        aborted: aborted.promise,
        gone: () => gone,
      },
      response as unknown as ServerResponse
    )
    let settled = false
    void done.then(
      () => (settled = true),
      () => (settled = true)
    )
    return {
      done,
      response,
      settled: () => settled,
      /** The connection closed after the answer (as every response's does). */
      closed: () => aborted.resolve(),
      leave: () => {
        gone = true
        aborted.resolve()
      },
    }
  }

  /** Records the n-th hub subscriber (a session) receives. */
  const deliver = (index: number, ...records: ConsumedRecord[]) => {
    for (const r of records) hub.at(index).subscriber.deliver(r)
  }

  return { hub, service, door, endpoint, poll, deliver }
}

const offsets = (records: StreamRecord[]) => records.map((r) => r.offset)

async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0)
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('LongPollDoor: answers', () => {
  it('answers {cursor, records} as JSON, seeding a latest start, and parks the session', async () => {
    const { hub, door, poll } = setup()
    const first = poll()
    await first.done
    expect(first.response.status).toBe(200)
    expect(first.response.headers).toEqual({
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(first.response.body as string),
      'cache-control': 'no-store',
    })
    expect(first.response.answer).toEqual({ cursor: '1~orders~10', records: [] })
    expect(hub.subscribed).toHaveLength(1)
    expect(hub.at(0).spec.kind).toBe('shared')
    expect(door.parked).toBe(1)
  })

  it('resumes the parked session with the cursor it answered, and acks what that answer took', async () => {
    const { hub, door, poll, deliver } = setup()
    await poll().done
    deliver(0, consumed(10), consumed(11))

    const second = poll({ cursor: '1~orders~10' })
    await second.done
    expect(hub.subscribed).toHaveLength(1)
    expect(offsets(second.response.answer.records)).toEqual(['10', '11'])
    expect(second.response.answer.cursor).toBe('1~orders~12')
    expect(second.response.answer).not.toHaveProperty('gaps')
    expect(hub.at(0).subscription.acks).toEqual([])
    expect(door.parked).toBe(1)

    const third = poll({ cursor: '1~orders~12' })
    await third.done
    expect(hub.subscribed).toHaveLength(1)
    expect(hub.at(0).subscription.acks).toEqual([
      ['orders', 0, '10'],
      ['orders', 0, '11'],
    ])
    expect(third.response.answer).toEqual({ cursor: '1~orders~12', records: [] })
  })

  it('opens a session from an unknown cursor', async () => {
    const { hub, poll, deliver } = setup()
    await poll().done
    const elsewhere = poll({ cursor: '1~orders~5' })
    await elsewhere.done
    expect(hub.subscribed).toHaveLength(2)
    expect(hub.at(1).spec).toMatchObject({
      kind: 'dedicated',
      positions: [{ topic: 'orders', partition: 0, offset: '5' }],
    })
    expect(elsewhere.response.answer.cursor).toBe('1~orders~5')
    deliver(1, consumed(5))
    const next = poll({ cursor: '1~orders~5' })
    await next.done
    expect(hub.subscribed).toHaveLength(2)
    expect(offsets(next.response.answer.records)).toEqual(['5'])
  })

  it('waits for the first record up to wait', async () => {
    const { poll, deliver } = setup()
    await poll().done
    const waiting = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    expect(waiting.settled()).toBe(false)
    deliver(0, consumed(10))
    await settle()
    expect(waiting.settled()).toBe(true)
    expect(offsets(waiting.response.answer.records)).toEqual(['10'])
  })

  it('answers empty once wait has passed, and waits no longer than longPoll.maxWaitMs', async () => {
    const { poll } = setup()
    await poll().done
    const waiting = poll({ cursor: '1~orders~10', wait: '60000' })
    await vi.advanceTimersByTimeAsync(999)
    expect(waiting.settled()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(waiting.settled()).toBe(true)
    expect(waiting.response.answer).toEqual({ cursor: '1~orders~10', records: [] })
  })

  it('answers at most max records, longPoll.maxRecords at most', async () => {
    const { poll, deliver } = setup()
    await poll().done
    deliver(0, ...[10, 11, 12, 13, 14, 15, 16].map((o) => consumed(o)))
    const two = poll({ cursor: '1~orders~10', max: '2' })
    await two.done
    expect(offsets(two.response.answer.records)).toEqual(['10', '11'])
    const capped = poll({ cursor: '1~orders~12', max: '1000' })
    await capped.done
    expect(offsets(capped.response.answer.records)).toEqual(['12', '13', '14'])
    const byDefault = poll({ cursor: '1~orders~15' })
    await byDefault.done
    expect(offsets(byDefault.response.answer.records)).toEqual(['15', '16'])
  })

  it.each([
    ['max', '0'],
    ['max', '-1'],
    ['max', '1.5'],
    ['max', 'ten'],
    ['max', ''],
    ['wait', '-1'],
    ['wait', '0.5'],
    ['wait', 'soon'],
  ])('refuses %s=%j with 400 before opening anything', async (name, value) => {
    const { hub, poll } = setup()
    const polled = poll({ [name]: value })
    const error = await polled.done.then(
      () => undefined,
      (err: unknown) => err
    )
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).code).toBe('bad-request')
    expect(errorCatalogue[(error as GatewayError).code].status).toBe(400)
    expect((error as GatewayError).detail).toContain(`"${name}"`)
    expect(hub.subscribed).toHaveLength(0)
  })

  it('answers gap notices beside the records, with a cursor past the gap', async () => {
    const { hub, poll, deliver } = setup({
      buffer: { maxRecords: 2, maxBytes: 100_000, onOverflow: 'skip' },
    })
    await poll().done
    deliver(0, ...[10, 11, 12, 13].map((o) => consumed(o)))
    const answered = poll({ cursor: '1~orders~10' })
    await answered.done
    expect(answered.response.answer).toEqual({
      cursor: '1~orders~14',
      records: expect.any(Array) as unknown,
      gaps: [
        {
          type: 'gap',
          skipped: 2,
          ranges: [{ topic: 'orders', partition: 0, from: '12', to: '13' }],
        },
      ],
    })
    expect(offsets(answered.response.answer.records)).toEqual(['10', '11'])
    // The skipped records were acknowledged as they were dropped.
    expect(hub.at(0).subscription.acks).toEqual([
      ['orders', 0, '12'],
      ['orders', 0, '13'],
    ])
  })
})

describe('LongPollDoor: clients that leave, and ends', () => {
  it('keeps the session parked under the same cursor when the client left before the answer', async () => {
    const { hub, door, poll, deliver } = setup()
    await poll().done
    const leaving = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    leaving.leave()
    await leaving.done
    expect(leaving.response.status).toBeUndefined()
    expect(door.parked).toBe(1)

    deliver(0, consumed(10))
    const back = poll({ cursor: '1~orders~10' })
    await back.done
    expect(hub.subscribed).toHaveLength(1)
    expect(offsets(back.response.answer.records)).toEqual(['10'])
  })

  it('keeps it under the client cursor even when filtered records moved the session on', async () => {
    const { hub, poll, deliver } = setup({ filters: { keys: ['keep-*'] } })
    await poll().done
    const leaving = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    deliver(0, consumed(10, { key: Buffer.from('drop-me') })) // filtered: the cursor moves to 11
    leaving.leave()
    await leaving.done

    const back = poll({ cursor: '1~orders~10' })
    await back.done
    expect(hub.subscribed).toHaveLength(1) // the same session, not a second consumer
    expect(back.response.answer).toEqual({ cursor: '1~orders~11', records: [] })
  })

  it('is not unhooked from a later poll by the close of an earlier one', async () => {
    const { poll, deliver } = setup()
    await poll().done
    const first = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    deliver(0, consumed(10))
    await first.done
    const second = poll({ cursor: '1~orders~11', wait: '1000' })
    await settle()
    first.closed() // the first response's connection closes only now
    await settle()
    deliver(0, consumed(11))
    await settle()
    expect(second.settled()).toBe(true)
    expect(offsets(second.response.answer.records)).toEqual(['11'])
  })

  it('ends a parked session after keepMs, giving its connection slot back', async () => {
    const { hub, door, poll } = setup({ maxConnectionsPerPrincipal: 1 })
    await poll().done
    expect(door.parked).toBe(1)
    // The parked session holds the principal's only slot.
    const refused = await poll().done.then(
      () => undefined,
      (err: unknown) => err
    )
    expect((refused as GatewayError).code).toBe('rate-limited')

    await vi.advanceTimersByTimeAsync(4999)
    expect(door.parked).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(door.parked).toBe(0)
    expect(hub.at(0).subscription.unsubscribes).toBe(1)

    const again = poll({ cursor: '1~orders~10' })
    await again.done
    expect(hub.subscribed).toHaveLength(2)
    expect(again.response.status).toBe(200)
  })

  it('waits keepMs again from each answer', async () => {
    const { door, poll } = setup()
    await poll().done
    await vi.advanceTimersByTimeAsync(4000)
    await poll({ cursor: '1~orders~10' }).done
    await vi.advanceTimersByTimeAsync(4000)
    expect(door.parked).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(door.parked).toBe(0)
  })

  it('close() ends every parked session', async () => {
    const { hub, door, poll } = setup()
    await poll().done
    await poll({ cursor: '1~orders~3' }).done
    expect(door.parked).toBe(2)
    door.close()
    expect(door.parked).toBe(0)
    await settle()
    expect(hub.subscribed.map((s) => s.subscription.unsubscribes)).toEqual([1, 1])
    await vi.advanceTimersByTimeAsync(10_000) // the expired timers do nothing more
    expect(hub.subscribed.map((s) => s.subscription.unsubscribes)).toEqual([1, 1])
  })

  it('ends the other session when two polls with one cursor answer', async () => {
    const { hub, door, poll } = setup()
    await poll().done
    const a = poll({ cursor: '1~orders~10', wait: '1000' }) // resumes the parked session, waits
    await settle()
    const b = poll({ cursor: '1~orders~10' }) // finds nothing parked: a session of its own
    await b.done
    expect(hub.subscribed).toHaveLength(2)
    expect(door.parked).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    await a.done
    expect(a.response.answer.cursor).toBe(b.response.answer.cursor)
    // a's answer parks under the same cursor: b's session ends.
    expect(door.parked).toBe(1)
    expect(hub.subscribed.map((s) => s.subscription.unsubscribes)).toEqual([0, 1])
  })

  it('throws the failure of a session that failed with nothing to answer', async () => {
    const { hub, door, poll } = setup()
    await poll().done
    const waiting = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    const failure = new GatewayError('backend-unavailable', 'the cluster is gone')
    hub.closeAll({ kind: 'failed', error: failure })
    await expect(waiting.done).rejects.toBe(failure)
    expect(door.parked).toBe(0)
  })

  it('answers what it has when the node shuts down, without parking', async () => {
    const { service, door, poll, deliver } = setup()
    await poll().done
    const waiting = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    deliver(0, consumed(10)) // wakes the poll…
    void service.close() // …and the node shuts down before it takes anything
    await waiting.done
    expect(offsets(waiting.response.answer.records)).toEqual(['10'])
    expect(waiting.response.answer.cursor).toBe('1~orders~11')
    expect(door.parked).toBe(0)
  })

  it('answers an empty poll when the node shuts down during the wait', async () => {
    const { service, door, poll } = setup()
    await poll().done
    const waiting = poll({ cursor: '1~orders~10', wait: '1000' })
    await settle()
    void service.close()
    await waiting.done
    expect(waiting.response.answer).toEqual({ cursor: '1~orders~10', records: [] })
    expect(door.parked).toBe(0)
  })

  it('refuses a poll for a session ended while parked with 503 once the node shuts down', async () => {
    const { service, poll } = setup()
    await poll().done
    await service.close()
    const refused = await poll({ cursor: '1~orders~10' }).done.then(
      () => undefined,
      (err: unknown) => err
    )
    expect((refused as GatewayError).code).toBe('overloaded')
  })
})
