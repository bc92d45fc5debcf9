// The read side of encrypt policies: what a door that reads does to a topic's records for a
// principal the ACL allows `decrypt`. A record says in its `weir-encryption` header what is sealed
// and under which wrapped data key, so decryption needs no policy: `prepare` unwraps the data key
// (from the shared cache, else the KMS) and fetches writer schemas; `apply` opens synchronously
// and removes the header. A record whose key is gone (a deleted KEK: crypto-shredding), or whose
// header or ciphertext does not read, is delivered as stored: ciphertext. A KMS that is down with
// the data key not cached fails the read (retriable) rather than hand out ciphertext as if final.
import { GatewayError } from '../../core/errors.ts'
import type { RecordView } from '../../core/records/record-view.ts'
import { KmsError } from '../../kms/index.ts'
import { BoundedMap } from '../../schema/lru.ts'
import { encodingOf } from '../fields/encoding.ts'
import { FieldEditor } from '../fields/editor.ts'
import { openFields } from '../fields/sealed.ts'
import type { MaskSchemaSource, RecordEdit } from '../mask/mask-set.ts'
import { valueContext } from './aes-gcm.ts'
import type { EnvelopeReader, Opener } from './reader.ts'
import { encryptionHeaderOf, headerTarget, KEY_TARGET, withoutEncryptionHeader } from './targets.ts'

/**
 * How long an unwrapped key is used without asking the DataKeyCache again. The cache decides
 * when the KMS confirms a key (and a deleted KEK stops decrypting); this only spares `prepare` a
 * promise per record, so it is short.
 */
const OPENER_MS = 1_000

type Prepared = { opener: Opener; until: number } | { unreadable: true; until: number }

export class Decryption {
  readonly #reader: EnvelopeReader
  readonly #schemas: MaskSchemaSource | undefined
  readonly #openers = new BoundedMap<string, Prepared>(1_000)
  readonly #editors = new BoundedMap<string, FieldEditor>(1_000)
  readonly #now: () => number

  constructor(reader: EnvelopeReader, schemas: MaskSchemaSource | undefined, now = Date.now) {
    this.#reader = reader
    this.#schemas = schemas
    this.#now = now
  }

  decryptor(registry: string | undefined): RecordEdit {
    return {
      prepare: (records) => {
        let pending: Promise<unknown>[] | undefined
        for (const record of records) {
          const waiting = this.#prepare(record, registry)
          if (waiting !== undefined) (pending ??= []).push(waiting)
        }
        return pending === undefined ? undefined : Promise.all(pending).then(() => undefined)
      },
      apply: (record) => this.#open(record, registry),
    }
  }

  #prepare(record: RecordView, registry: string | undefined): Promise<unknown> | undefined {
    const header = encryptionHeaderOf(record)
    if (header === undefined) return undefined
    const id = header.toString('latin1')
    const known = this.#openers.get(id)
    if (known !== undefined && known.until > this.#now()) {
      if ('unreadable' in known) return undefined
      return this.#prepareFields(record, known.opener.header.targets, registry)
    }
    return this.#reader.prepareRead(header).then(
      (opener) => {
        this.#openers.set(id, { opener, until: this.#now() + OPENER_MS })
        return this.#prepareFields(record, opener.header.targets, registry)
      },
      (err: unknown) => {
        if (err instanceof KmsError && err.retriable) throw err
        if (!(err instanceof GatewayError)) throw err
        this.#openers.set(id, { unreadable: true, until: this.#now() + OPENER_MS })
      }
    )
  }

  #prepareFields(
    record: RecordView,
    targets: readonly string[],
    registry: string | undefined
  ): Promise<void> | undefined {
    const value = record.value
    if (value === null || encodingOf(value, registry) !== 'registry') return undefined
    return this.#editor(targets, registry)?.prepare(value, 'registry')
  }

  /** The editor selecting the value's fields a record's targets name; undefined when none. */
  #editor(targets: readonly string[], registry: string | undefined): FieldEditor | undefined {
    const pointers = targets.filter((t) => t.startsWith('/'))
    if (pointers.length === 0) return undefined
    const id = `${registry ?? ''}\0${pointers.join('\0')}`
    let editor = this.#editors.get(id)
    if (editor === undefined) {
      const source = this.#schemas
      editor = new FieldEditor(
        { pointers },
        {
          fetchSchema: (schemaId) =>
            registry === undefined || source === undefined
              ? Promise.reject(new GatewayError('internal', `no schema registry for ${schemaId}`))
              : source(registry, schemaId),
        }
      )
      this.#editors.set(id, editor)
    }
    return editor
  }

  #open(record: RecordView, registry: string | undefined): void {
    const header = encryptionHeaderOf(record)
    if (header === undefined) return
    const known = this.#openers.peek(header.toString('latin1'))
    if (known === undefined) {
      throw new GatewayError('internal', 'decryptor applied before prepare settled')
    }
    if ('unreadable' in known) return
    const { opener } = known
    const { topic } = record
    const open = (sealed: Buffer, target: string) =>
      opener.open(sealed, valueContext(topic, target))
    try {
      // Opened into copies, taken only once all of it opened: never a half-decrypted record.
      let { key, value } = record
      // Decoded once, when its key was prepared: the opener is keyed by these very header bytes.
      const targets = opener.header.targets
      const headers = withoutEncryptionHeader(record.headers).map((h) => {
        const target = headerTarget(h.key)
        if (h.value === null || !targets.includes(target)) return h
        return { key: h.key, value: open(h.value, target) }
      })
      if (targets.includes(KEY_TARGET) && key !== null) key = open(key, KEY_TARGET)
      if (targets.includes('') && value !== null) value = open(value, '')
      const editor = this.#editor(targets, registry)
      if (editor !== undefined && value !== null) {
        const encoding = encodingOf(value, registry)
        if (encoding !== undefined) {
          value =
            editor.edit(
              value,
              encoding,
              openFields(
                (s, aad) => opener.open(s, aad),
                (p) => valueContext(topic, p)
              )
            ) ?? value
        }
      }
      record.key = key
      record.value = value
      record.headers = headers
    } catch (err) {
      // Altered on the way (a tag that fails, a field that no longer parses): left as stored.
      if (err instanceof GatewayError && err.code === 'invalid-record') return
      throw err
    }
  }
}
