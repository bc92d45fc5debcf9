// The `kms:` entries' providers, kept across reloads. An entry a reload leaves unchanged keeps its
// provider (an AWS client keeps its warm connections); one that changed or went is closed once
// the calls it may still be serving have had time to finish, so its sockets do not linger until
// garbage collection.
import type { KmsConfig } from '../../config/index.ts'
import { createKeyManagement, type KeyManagement } from '../../kms/index.ts'
import { reportingFailures, type KmsFailureReport } from '../../kms/reporting.ts'

/** Longer than a KMS call may take (the AWS provider's timeout and retries). */
const CLOSE_AFTER_MS = 60_000

interface Provider {
  /** The entry it was built from, to tell an unchanged entry on reload. */
  readonly settings: string
  readonly kms: KeyManagement
}

export class KmsProviders {
  readonly #report: KmsFailureReport | undefined
  #current = new Map<string, Provider>()

  constructor(report?: KmsFailureReport) {
    this.#report = report
  }

  /** Providers for `entries`, reusing those whose entry is unchanged; `adopt` makes them current. */
  resolve(entries: readonly KmsConfig[]): Map<string, Provider> {
    const next = new Map<string, Provider>()
    for (const entry of entries) {
      const settings = JSON.stringify(entry)
      const held = this.#current.get(entry.name)
      next.set(entry.name, held?.settings === settings ? held : this.#create(entry, settings))
    }
    return next
  }

  /** `next` is what the engine now uses: the providers it no longer holds are closed later. */
  adopt(next: Map<string, Provider>): void {
    const kept = new Set([...next.values()].map((p) => p.kms))
    const dropped = [...this.#current.values()].filter((p) => !kept.has(p.kms))
    this.#current = next
    if (dropped.length === 0) return
    setTimeout(() => {
      for (const { kms } of dropped) kms.close()
    }, CLOSE_AFTER_MS).unref()
  }

  #create(entry: KmsConfig, settings: string): Provider {
    const kms = createKeyManagement(entry)
    return {
      settings,
      kms: this.#report === undefined ? kms : reportingFailures(entry.name, kms, this.#report),
    }
  }
}

export type { Provider as KmsProvider }
