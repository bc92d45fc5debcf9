// At-least-once bookkeeping for one consumer: which delivered records each subscriber still owes
// an acknowledgement for, and so how far each partition's offset may be committed: up to the
// first record some subscriber has not acknowledged, or to the next record to deliver when all
// are. Acks may come in any order. Pure (no Kafka): the consumer feeds it and acts on its answers.
import { partitionKey, splitPartitionKey } from './partition-key.ts'

/** Offsets a subscriber was given in one partition, in delivery (offset) order. */
interface Claims {
  offsets: bigint[]
  /** Index of the first unacknowledged offset; everything before it is acknowledged. */
  head: number
  /** Acknowledged offsets past the head (acks out of order). */
  acked: Set<bigint>
}

interface SubscriberClaims {
  partitions: Map<string, Claims>
  unacked: number
  /** At the unacked limit; stays so until it drains to half of it. */
  over: boolean
}

export interface CommitOffset {
  topic: string
  partition: number
  /** The next offset to read, as Kafka commits it. */
  offset: string
}

export class AckTracker {
  readonly #maxUnacked: number
  readonly #subscribers = new Map<number, SubscriberClaims>()
  /** Next offset to deliver, per partition delivered (or rewound) since the last reset. */
  readonly #positions = new Map<string, bigint>()
  readonly #committed = new Map<string, bigint>()
  #overCount = 0

  constructor(maxUnacked: number) {
    this.#maxUnacked = maxUnacked
  }

  /** Records that `subscribers` were given this record (call before handing it over). */
  delivered(topic: string, partition: number, offset: string, subscribers: Iterable<number>): void {
    const key = partitionKey(topic, partition)
    const at = BigInt(offset)
    this.#positions.set(key, at + 1n)
    for (const id of subscribers) {
      let entry = this.#subscribers.get(id)
      if (!entry)
        this.#subscribers.set(id, (entry = { partitions: new Map(), unacked: 0, over: false }))
      let claims = entry.partitions.get(key)
      if (!claims) entry.partitions.set(key, (claims = { offsets: [], head: 0, acked: new Set() }))
      claims.offsets.push(at)
      entry.unacked++
      if (!entry.over && entry.unacked >= this.#maxUnacked) {
        entry.over = true
        this.#overCount++
      }
    }
  }

  /**
   * A subscriber acknowledges one record. Offsets it was never given are ignored. True when the
   * subscriber just drained below its limit (the consumer may resume).
   */
  ack(subscriber: number, topic: string, partition: number, offset: string): boolean {
    const entry = this.#subscribers.get(subscriber)
    const claims = entry?.partitions.get(partitionKey(topic, partition))
    if (!entry || !claims) return false
    let at: bigint
    try {
      at = BigInt(offset)
    } catch {
      return false
    }
    const index = search(claims.offsets, claims.head, at)
    if (index < 0 || claims.acked.has(at)) return false
    claims.acked.add(at)
    entry.unacked--
    while (
      claims.head < claims.offsets.length &&
      claims.acked.delete(claims.offsets[claims.head]!)
    ) {
      claims.head++
    }
    compact(claims)
    if (entry.over && entry.unacked <= this.#maxUnacked / 2) {
      entry.over = false
      this.#overCount--
      return true
    }
    return false
  }

  /** Some subscriber holds too many unacknowledged records. */
  get anyOver(): boolean {
    return this.#overCount > 0
  }

  /**
   * Forgets a subscriber. Returns, for each partition where it left records unacknowledged, where
   * reading must start again: the partition's commit point (so at or before its first unacked
   * record, and never past a record another subscriber still owes). See rewind().
   */
  release(subscriber: number): CommitOffset[] {
    const entry = this.#subscribers.get(subscriber)
    if (!entry) return []
    const points: CommitOffset[] = []
    for (const [key, claims] of entry.partitions) {
      if (claims.head < claims.offsets.length) {
        points.push({ ...splitPartitionKey(key), offset: this.#commitPoint(key).toString() })
      }
    }
    this.#subscribers.delete(subscriber)
    if (entry.over) this.#overCount--
    return points
  }

  /** The partition is read again from `offset`: claims from there on are dropped. */
  rewind(topic: string, partition: number, offset: string): void {
    const key = partitionKey(topic, partition)
    const at = BigInt(offset)
    const position = this.#positions.get(key)
    if (position !== undefined && position <= at) return
    this.#positions.set(key, at)
    for (const entry of this.#subscribers.values()) {
      const claims = entry.partitions.get(key)
      if (!claims) continue
      while (claims.offsets.length > claims.head && claims.offsets.at(-1)! >= at) {
        const dropped = claims.offsets.pop()!
        if (!claims.acked.delete(dropped)) entry.unacked--
      }
      if (entry.over && entry.unacked <= this.#maxUnacked / 2) {
        entry.over = false
        this.#overCount--
      }
    }
  }

  /** Offsets that may be committed and are past what was committed last. */
  committable(): CommitOffset[] {
    const result: CommitOffset[] = []
    for (const key of this.#positions.keys()) {
      const point = this.#commitPoint(key)
      const committed = this.#committed.get(key)
      if (committed === undefined || point > committed) {
        result.push({ ...splitPartitionKey(key), offset: point.toString() })
      }
    }
    return result
  }

  /** The first record some subscriber owes, else the next one to deliver. */
  #commitPoint(key: string): bigint {
    let point = this.#positions.get(key) as bigint
    for (const entry of this.#subscribers.values()) {
      const claims = entry.partitions.get(key)
      const first = claims?.offsets[claims.head]
      if (first !== undefined && first < point) point = first
    }
    return point
  }

  markCommitted(offsets: readonly CommitOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      const key = partitionKey(topic, partition)
      const at = BigInt(offset)
      const committed = this.#committed.get(key)
      if (committed === undefined || at > committed) this.#committed.set(key, at)
    }
  }

  /**
   * After a group (re)join the consumer reads from the committed offsets again: every record
   * past them comes again, so no earlier claim stands. Subscribers stay, with nothing owed.
   */
  reset(): void {
    for (const entry of this.#subscribers.values()) {
      entry.partitions.clear()
      entry.unacked = 0
      entry.over = false
    }
    this.#overCount = 0
    this.#positions.clear()
    this.#committed.clear()
  }

  /** Unacknowledged records of one subscriber (for tests and stats). */
  unacked(subscriber: number): number {
    return this.#subscribers.get(subscriber)?.unacked ?? 0
  }
}

/** Index of `value` in the ascending `offsets` from `from`, or -1. */
function search(offsets: bigint[], from: number, value: bigint): number {
  let low = from
  let high = offsets.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    const at = offsets[mid]!
    if (at === value) return mid
    if (at < value) low = mid + 1
    else high = mid - 1
  }
  return -1
}

/** Drops the acknowledged prefix once it is most of the array, so memory follows the unacked. */
function compact(claims: Claims): void {
  if (claims.head === claims.offsets.length) {
    claims.offsets = []
    claims.head = 0
  } else if (claims.head > 64 && claims.head * 2 > claims.offsets.length) {
    claims.offsets = claims.offsets.slice(claims.head)
    claims.head = 0
  }
}
