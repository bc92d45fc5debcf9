// The encrypt policies in force for one chain, and the two decisions every door asks: how the
// records of a topic are sealed on the way in (the first policy listed that covers the topic;
// for every writer), and whether a principal reads them opened on the way out.
import type { RecordEdit } from '../mask/mask-set.ts'
import type { EncryptPolicy } from './encrypt-policy.ts'

export class EncryptSet {
  readonly #policies: readonly EncryptPolicy[]

  constructor(policies: readonly EncryptPolicy[]) {
    this.#policies = policies
  }

  get any(): boolean {
    return this.#policies.length > 0
  }

  /** Whether an encrypt policy covers the topic (its reads then differ per principal). */
  covers(topic: string): boolean {
    return this.#policies.some((p) => p.topics(topic))
  }

  encryptor(topic: string, registry: string | undefined): RecordEdit | undefined {
    return this.#policies.find((p) => p.topics(topic))?.encryptor(registry)
  }
}
