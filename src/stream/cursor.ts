// Stream positions shared by SSE (`id:` / Last-Event-ID) and long-poll cursors: the next offset to
// deliver for each topic-partition, as a short URL-safe string a client hands back to resume.
//
// Format (version 1): `1~<topic>~<entries>~<topic>~<entries>…`, entries joined by `_`, each
// `<offset>` for the partition after the previous one (the first is 0) or `<partition>.<offset>`
// otherwise. Partitions are mostly 0..n-1, so `1~orders~15_22_9` is partitions 0, 1 and 2.
// Kafka topic names use only `[A-Za-z0-9._-]`, so `~` and `_` can never be part of one, and the
// whole cursor is made of URL-unreserved characters: no escaping in a query string or header.
import type { StreamConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'

/** Next offset to deliver, by topic (as the client names it) and partition. */
export type Cursor = ReadonlyMap<string, ReadonlyMap<number, string>>

export interface CursorLimits {
  /** Most topic-partitions one cursor may hold. */
  maxPartitions: number
  /** Longest cursor text, in characters. */
  maxLength: number
}

/** 1024 partitions with 10-digit offsets take about 11 KB; more is not a cursor but an attack. */
export const DEFAULT_CURSOR_LIMITS: CursorLimits = { maxPartitions: 1024, maxLength: 16_384 }

export const emptyCursor: Cursor = new Map()

const VERSION = '1'
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/
const ENTRY = /^(?:(0|[1-9]\d{0,9})\.)?(0|[1-9]\d{0,18})$/
const MAX_PARTITION = 2 ** 31 - 1
const MAX_OFFSET = '9223372036854775807'

export function encodeCursor(cursor: Cursor): string {
  const parts = [VERSION]
  for (const [topic, partitions] of cursor) {
    if (partitions.size === 0) continue
    if (!TOPIC.test(topic)) {
      throw new GatewayError('internal', `topic "${topic}" cannot be written into a cursor`)
    }
    const entries: string[] = []
    let next = 0
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const offset = partitions.get(partition) as string
      entries.push(partition === next ? offset : `${partition}.${offset}`)
      next = partition + 1
    }
    parts.push(topic, entries.join('_'))
  }
  return parts.join('~')
}

/** Reads a cursor a client sent; anything malformed or too large is a 400 saying what. */
export function decodeCursor(text: string, limits: CursorLimits = DEFAULT_CURSOR_LIMITS): Cursor {
  if (text.length > limits.maxLength) {
    throw bad(`it is ${text.length} characters long, more than the ${limits.maxLength} allowed`)
  }
  const segments = text.split('~')
  if (segments[0] !== VERSION) {
    throw bad(`it does not start with a known version ("${VERSION}~"); was it made by this stream?`)
  }
  if (segments.length % 2 === 0) throw bad(`the last topic has no positions`)
  const cursor = new Map<string, Map<number, string>>()
  let total = 0
  for (let i = 1; i < segments.length; i += 2) {
    const topic = segments[i] as string
    if (!TOPIC.test(topic)) throw bad(`"${clip(topic)}" is not a topic name`)
    if (cursor.has(topic)) throw bad(`topic "${topic}" appears twice`)
    const partitions = new Map<number, string>()
    let next = 0
    for (const entry of (segments[i + 1] as string).split('_')) {
      const match = ENTRY.exec(entry)
      if (match === null) {
        throw bad(`"${clip(entry)}" in topic "${topic}" is not <offset> or <partition>.<offset>`)
      }
      const partition = match[1] === undefined ? next : Number(match[1])
      const offset = match[2] as string
      if (partition > MAX_PARTITION) throw bad(`partition ${partition} is out of range`)
      if (offset.length === MAX_OFFSET.length && offset > MAX_OFFSET) {
        throw bad(`offset ${offset} of ${topic}/${partition} is beyond the largest Kafka offset`)
      }
      if (partitions.has(partition)) throw bad(`partition ${topic}/${partition} appears twice`)
      if (++total > limits.maxPartitions) {
        throw bad(`it holds more than the ${limits.maxPartitions} partitions allowed`)
      }
      partitions.set(partition, offset)
      next = partition + 1
    }
    cursor.set(topic, partitions)
  }
  return cursor
}

/**
 * The cursor after delivering `record`: its partition's next offset is the record's plus one,
 * every other position kept (a long-poll answered by a node that owns some partitions leaves the
 * others as the client had them). It follows redelivery backwards: it says what was sent last.
 */
export function advance(
  cursor: Cursor,
  record: { topic: string; partition: number; offset: string }
): Cursor {
  return withPosition(cursor, record.topic, record.partition, nextOffset(record.offset))
}

/** The cursor with one partition's next offset set to `next`. */
export function withPosition(
  cursor: Cursor,
  topic: string,
  partition: number,
  next: string
): Cursor {
  const result = new Map(cursor)
  const partitions = new Map(cursor.get(topic))
  partitions.set(partition, next)
  result.set(topic, partitions)
  return result
}

/**
 * A session's cursor as deliveries move it: changed in place, with the read-only copy and the
 * text made only when asked for, and kept until it moves again. (A fresh copy of the maps per
 * delivery was a twentieth of a fan-out node's CPU, half of it for WebSocket clients, which
 * never read the cursor.)
 */
export class MovingCursor {
  readonly #start: Cursor
  /** Our own maps, from the first move on. */
  #positions: Map<string, Map<number, string>> | undefined
  #copy: Cursor | undefined
  #text: string | undefined

  constructor(start: Cursor) {
    this.#start = start
  }

  /** Sets one partition's next offset. */
  set(topic: string, partition: number, next: string): void {
    const positions = (this.#positions ??= copyOf(this.#start))
    let partitions = positions.get(topic)
    if (partitions === undefined) positions.set(topic, (partitions = new Map()))
    partitions.set(partition, next)
    this.#copy = undefined
    this.#text = undefined
  }

  has(topic: string, partition: number): boolean {
    return (this.#positions ?? this.#start).get(topic)?.has(partition) ?? false
  }

  /** The cursor now: the start itself until it first moves, then a copy it will not change. */
  get value(): Cursor {
    if (this.#positions === undefined) return this.#start
    return (this.#copy ??= copyOf(this.#positions))
  }

  /** encodeCursor(value), made once per move however often it is asked for. */
  get text(): string {
    return (this.#text ??= encodeCursor(this.#positions ?? this.#start))
  }
}

function copyOf(cursor: Cursor): Map<string, Map<number, string>> {
  const copy = new Map<string, Map<number, string>>()
  for (const [topic, partitions] of cursor) copy.set(topic, new Map(partitions))
  return copy
}

export type StreamStart = StreamConfig['start']

/** Where one partition resumes: the client's cursor, else the stream's start position. */
export type ResumePosition =
  { from: 'cursor'; offset: string } | { from: 'start'; start: StreamStart }

/** Topics in the cursor the stream does not serve are ignored, never an error. */
export function resumeFrom(
  cursor: Cursor,
  topic: string,
  partition: number,
  start: StreamStart
): ResumePosition {
  const offset = cursor.get(topic)?.get(partition)
  return offset === undefined ? { from: 'start', start } : { from: 'cursor', offset }
}

/** offset + 1 on the decimal string: Number while exact (nearly always), BigInt beyond. */
export function nextOffset(offset: string): string {
  return offset.length < 16 ? String(Number(offset) + 1) : (BigInt(offset) + 1n).toString()
}

function bad(reason: string): GatewayError {
  return new GatewayError('bad-request', `the stream cursor is not valid: ${reason}`)
}

/** Echoes client input into error details without echoing kilobytes of it. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
