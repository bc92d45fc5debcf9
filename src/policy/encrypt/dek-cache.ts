// Unwrapped data keys by the wrapped key they came from, so reading a record does not call the
// KMS: a DEK encrypts millions of records and is unwrapped once per `ttlMs` per node. After
// `ttlMs` an entry is confirmed with the KMS again, so a deleted KEK stops decrypting within that
// time (crypto-shredding); if the KMS is down then, the entry keeps serving for up to
// `staleIfUnavailableMs` more ("reads keep working from cached DEKs"), asking again at most once a
// `recheckMs`. Concurrent misses for one key share one KMS call, and a key the KMS says is gone
// (or refused) is remembered as such for `recheckMs`: reading a crypto-shredded topic does not
// ask the KMS once per record.
import { createHash, createSecretKey, type KeyObject } from 'node:crypto'
import { isKmsFailure, type KeyManagement } from '../../kms/index.ts'

export interface DataKeyCacheOptions {
  /** How long an unwrapped DEK is used before the KMS confirms it again. */
  readonly ttlMs?: number
  /** How long past `ttlMs` an entry keeps serving while the KMS is unavailable. */
  readonly staleIfUnavailableMs?: number
  /** While serving stale, or after the KMS said a key is gone, how often it is asked again. */
  readonly recheckMs?: number
  /** Entries kept; the least recently used go first. */
  readonly maxEntries?: number
  /** The clock (epoch milliseconds); tests step it. */
  readonly now?: () => number
}

interface Entry {
  /** A KeyObject, made once: ciphers take it without importing the key again. */
  readonly key: KeyObject
  /** When the KMS last unwrapped (or generated) it. */
  readonly confirmedAt: number
  /** Not before: while stale, the KMS is not asked again before this. */
  recheckAt: number
}

/** Where a wrapped DEK comes from: the `kms:` name, its provider and the KEK. */
export interface WrappedDataKey {
  readonly kmsName: string
  readonly kms: KeyManagement
  readonly kekId: string
  readonly wrapped: Buffer
}

export class DataKeyCache {
  #ttlMs = 0
  #staleMs = 0
  #recheckMs = 0
  #maxEntries = 0
  readonly #now: () => number
  readonly #entries = new Map<string, Entry>()
  readonly #unwrapping = new Map<string, Promise<KeyObject>>()
  /** Keys the KMS said are gone or refused, with its answer and until when it stands. */
  readonly #refused = new Map<string, { error: unknown; until: number }>()

  constructor(options: DataKeyCacheOptions = {}) {
    this.#now = options.now ?? Date.now
    this.configure(options)
  }

  /** New bounds (a reload's `dataKeys:`); the keys held stay, judged by the new bounds. */
  configure(options: Omit<DataKeyCacheOptions, 'now'>): void {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000
    this.#staleMs = options.staleIfUnavailableMs ?? 60 * 60_000
    this.#recheckMs = options.recheckMs ?? 1_000
    this.#maxEntries = options.maxEntries ?? 1_000
    trim(this.#entries, this.#maxEntries)
  }

  /** The plaintext of a wrapped DEK, from the cache or the KMS; rejects with a KmsError. */
  async unwrap(dek: WrappedDataKey): Promise<KeyObject> {
    const id = cacheId(dek.kmsName, dek.kekId, dek.wrapped)
    const entry = this.#entries.get(id)
    const now = this.#now()
    const refused = this.#refused.get(id)
    if (refused !== undefined) {
      if (now < refused.until) throw refused.error
      this.#refused.delete(id)
    }
    if (entry !== undefined) {
      // Most recently used last: Map keeps insertion order, the first is evicted.
      this.#entries.delete(id)
      this.#entries.set(id, entry)
      if (now - entry.confirmedAt < this.#ttlMs) return entry.key
      if (now < entry.recheckAt && this.#servesStale(entry, now)) return entry.key
    }
    let pending = this.#unwrapping.get(id)
    if (pending === undefined) {
      pending = dek.kms
        .unwrapDataKey(dek.kekId, dek.wrapped)
        .then((plaintext) => createSecretKey(plaintext))
        .finally(() => this.#unwrapping.delete(id))
      this.#unwrapping.set(id, pending)
    }
    try {
      const key = await pending
      this.#store(id, key)
      return key
    } catch (err) {
      const now = this.#now()
      if (
        isKmsFailure(err, 'unavailable') &&
        entry !== undefined &&
        this.#servesStale(entry, now)
      ) {
        entry.recheckAt = now + this.#recheckMs
        return entry.key
      }
      // The key is gone or refused: no cached copy outlives the KMS's answer.
      if (!isKmsFailure(err, 'unavailable')) {
        this.#entries.delete(id)
        this.#refused.set(id, { error: err, until: now + this.#recheckMs })
        trim(this.#refused, this.#maxEntries)
      }
      throw err
    }
  }

  /** Keeps a DEK the writer just generated, so records read back here need no KMS call. */
  put(dek: Omit<WrappedDataKey, 'kms'>, plaintext: Buffer): void {
    this.#store(cacheId(dek.kmsName, dek.kekId, dek.wrapped), createSecretKey(plaintext))
  }

  get size(): number {
    return this.#entries.size
  }

  #servesStale(entry: Entry, now: number): boolean {
    return now - entry.confirmedAt < this.#ttlMs + this.#staleMs
  }

  #store(id: string, key: KeyObject): void {
    this.#entries.delete(id)
    this.#entries.set(id, { key, confirmedAt: this.#now(), recheckAt: 0 })
    trim(this.#entries, this.#maxEntries)
  }
}

/** Drops the oldest of a Map (its first, by insertion order) down to `max`. */
function trim(map: Map<string, unknown>, max: number): void {
  for (const id of map.keys()) {
    if (map.size <= max) return
    map.delete(id)
  }
}

/** A digest, not the wrapped key itself: entries stay small whatever the KMS's blob size. */
function cacheId(kmsName: string, kekId: string, wrapped: Buffer): string {
  return createHash('sha256').update(`${kmsName}\0${kekId}\0`).update(wrapped).digest('base64url')
}
