// Produce with acks=0 gets no response: the proxy must not wait for one (a correlation entry per
// such request is how other proxies leak until they run out of memory). The acks field sits right
// after the header and the transactional id, so it is read without decoding the records.
import { CodecError, Reader, requestHeaderVersion } from '../protocol/index.ts'
import { readRequestHeader } from '../protocol/message-parts.ts'

const PRODUCE = 0
/** Produce versions from 3 carry a transactional id before acks; from 9 they are flexible. */
const TRANSACTIONAL_ID_FROM = 3
const FLEXIBLE_FROM = 9

/** Whether a request expects a response: all do, except Produce with acks=0. */
export function expectsResponse(payload: Buffer, apiKey: number, apiVersion: number): boolean {
  if (apiKey !== PRODUCE) return true
  return produceAcks(payload, apiVersion) !== 0
}

/** The acks of a Produce request payload (after the size prefix); CodecError when truncated. */
export function produceAcks(payload: Buffer, apiVersion: number): number {
  const r = new Reader(payload)
  readRequestHeader(r, requestHeaderVersion(PRODUCE, apiVersion))
  if (apiVersion >= TRANSACTIONAL_ID_FROM) r.nullableString(apiVersion >= FLEXIBLE_FROM)
  const acks = r.int16()
  if (acks < -1 || acks > 1) throw new CodecError(`Produce acks ${acks} is not -1, 0 or 1`)
  return acks
}
