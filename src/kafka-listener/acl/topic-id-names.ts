// Topic ids → the names clients know them by. Fetch (v13+), Produce (v13) and a few others name
// topics by id only, while ACLs are written on names; Metadata responses pair the two, so the
// ACL filter teaches this cache from every Metadata response it sees (in client names: request
// edits run after the response filters). One cache per listener, shared by its connections: a
// client's broker connections fetch with ids its bootstrap connection learned.
import { ZERO_UUID } from '../../protocol/index.ts'

export class TopicIdNames {
  readonly #names = new Map<string, string>()
  readonly #capacity: number

  /** `capacity`: ids kept, the least recently learned forgotten first. */
  constructor(capacity = 100_000) {
    this.#capacity = capacity
  }

  learn(topicId: string, name: string | null): void {
    if (name === null || name === '' || topicId === ZERO_UUID) return
    const known = this.#names.get(topicId)
    if (known === name) return
    if (known !== undefined) this.#names.delete(topicId)
    this.#names.set(topicId, name)
    if (this.#names.size > this.#capacity) {
      this.#names.delete(this.#names.keys().next().value as string)
    }
  }

  /** The name, or undefined for an id no response taught (the client is told UNKNOWN_TOPIC_ID). */
  nameOf(topicId: string): string | undefined {
    return this.#names.get(topicId)
  }

  get size(): number {
    return this.#names.size
  }
}
