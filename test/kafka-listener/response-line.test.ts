// The response line gathers large broker responses in buffers lent from a pool and gives a buffer
// back only once the socket has written what refers to it: while a write is pending (a slow
// client, or writes corked behind others), the next response must not be gathered over it.
import { describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { BrokerMap } from '../../src/kafka-listener/broker-map.ts'
import type { ResponseFilter } from '../../src/kafka-listener/filters/types.ts'
import { ResponseLine, type ResponseLineHost } from '../../src/kafka-listener/response-line.ts'
import { apis, encodeResponse } from '../../src/protocol/index.ts'
import {
  defaultFetchableTopicResponse,
  defaultFetchResponse,
  defaultPartitionData,
} from '../../src/protocol/generated/messages/fetch-response.ts'

const FETCH = apis.fetch.key
const VERSION = 12

/** A framed Fetch response whose one partition holds 200 KB of `fill`. */
function fetchFrame(correlationId: number, fill: number): Buffer {
  const body = {
    ...defaultFetchResponse(),
    responses: [
      {
        ...defaultFetchableTopicResponse(),
        topic: 'orders',
        partitions: [{ ...defaultPartitionData(), records: Buffer.alloc(200_000, fill) }],
      },
    ],
  }
  return encodeResponse(apis.fetch, VERSION, { correlationId }, body)
}

/** A client socket that takes writes but sends none, nor says it did, until `flush`. */
function slowClient() {
  const queued: Uint8Array[] = []
  const pending: (() => void)[] = []
  const received: Buffer[] = []
  const host: ResponseLineHost = {
    client: { cork() {}, uncork() {} } as unknown as Socket,
    upstream: () => ({ pause() {}, resume() {} }) as unknown as Socket,
    filters: () => undefined,
    filterContext: {
      brokers: new BrokerMap({ advertisedHost: 'weir.test', brokerPortBase: 29_092 }),
      state: { principal: undefined, scratch: new Map() },
    },
    answered() {},
    toClient(bytes, written) {
      queued.push(bytes)
      if (written) pending.push(written)
    },
    endWith() {},
    close(why, detail) {
      throw new Error(`closed: ${why} ${detail ?? ''}`)
    },
    betweenRequests() {},
  }
  /** Sends what was written, as its memory holds it now, and says so. */
  const flush = () => {
    received.push(...queued.splice(0).map((bytes) => Buffer.from(bytes)))
    for (const done of pending.splice(0)) done()
  }
  return { host, received: () => Buffer.concat(received), flush }
}

const renamesNothing: ResponseFilter = { apiKey: FETCH, onResponse: () => true }

describe.each([
  ['sent as it came', undefined],
  ['re-encoded', [renamesNothing]],
])('a large response %s', (_label, filters) => {
  it('keeps its buffer until written, whatever comes after it', () => {
    const { host, received, flush } = slowClient()
    const line = new ResponseLine({ ...host, filters: () => filters })
    const frames = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66].map((fill, i) => fetchFrame(i + 1, fill))
    for (const [i] of frames.entries()) {
      line.expect({ correlationId: i + 1, apiKey: FETCH, apiVersion: VERSION, sentAt: 0 })
    }
    const stream = Buffer.concat(frames)
    // Reads of 64 KiB into one buffer the socket reuses; three answers before any write
    // finished, then three more into the buffers given back.
    const lent = Buffer.alloc(64 * 1024)
    const upTo = (from: number, to: number) => {
      for (let at = from; at < to; at += lent.length) {
        const n = Math.min(lent.length, to - at)
        stream.copy(lent, 0, at, at + n)
        line.fromUpstream(lent.subarray(0, n), true)
        lent.fill(0xee)
      }
    }
    const half = stream.length / 2
    upTo(0, half)
    flush()
    expect(received().equals(stream.subarray(0, half))).toBe(true)
    upTo(half, stream.length)
    flush()
    expect(received().equals(stream)).toBe(true)
  })
})
