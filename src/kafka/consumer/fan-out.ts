// The subscribers of one consumer and whether each has room. Every record goes to every member,
// full or not: a full member decides itself what to do with it (drop it and note a gap, or close),
// so a slow member never holds back the others. Only when every member is full is there nobody
// to read for, and the consumer pauses (see HubConsumer).
import type { ConsumedRecord, Subscriber } from './types.ts'

export interface Member {
  readonly id: number
  readonly subscriber: Subscriber
  /** Answered `full` and has not called ready() (or taken a record) since. */
  full: boolean
}

export class FanOut {
  readonly #members = new Map<number, Member>()
  #fullCount = 0
  #nextId = 1

  add(subscriber: Subscriber): Member {
    const member: Member = { id: this.#nextId++, subscriber, full: false }
    this.#members.set(member.id, member)
    return member
  }

  /** Removes a member; false when it was no longer there. */
  remove(member: Member): boolean {
    if (this.#members.get(member.id) !== member) return false
    this.#members.delete(member.id)
    if (member.full) this.#fullCount--
    return true
  }

  has(member: Member): boolean {
    return this.#members.get(member.id) === member
  }

  get size(): number {
    return this.#members.size
  }

  /** At least one member, and every one of them full. */
  get allFull(): boolean {
    return this.#members.size > 0 && this.#fullCount === this.#members.size
  }

  members(): IterableIterator<Member> {
    return this.#members.values()
  }

  /**
   * Hands the record to every member. A member that throws is reported to `onError` (which
   * should remove it) and the others still get the record. Members may leave (or join) from
   * inside their deliver(): a Map iteration sees deletions and appends safely.
   */
  deliver(record: ConsumedRecord, onError: (member: Member, error: unknown) => void): void {
    for (const member of this.#members.values()) {
      let result: string
      try {
        result = member.subscriber.deliver(record)
      } catch (error) {
        onError(member, error)
        continue
      }
      // It may have left from inside deliver(): its count is already gone with it.
      if (!this.has(member)) continue
      this.#setFull(member, result === 'full')
    }
  }

  /** The member has room again; true when that changed its state. */
  ready(member: Member): boolean {
    if (!this.has(member) || !member.full) return false
    this.#setFull(member, false)
    return true
  }

  clear(): Member[] {
    const members = [...this.#members.values()]
    this.#members.clear()
    this.#fullCount = 0
    return members
  }

  #setFull(member: Member, full: boolean): void {
    if (member.full === full) return
    member.full = full
    this.#fullCount += full ? 1 : -1
  }
}
