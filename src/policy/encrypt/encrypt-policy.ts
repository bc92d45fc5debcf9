// An encrypt policy compiled once: its envelope (one data key at a time, bounded in use, shared by
// every door and chain) and, for fields, one FieldEditor per schema registry. `encryptor` is what
// a door that writes does to a topic's records: `prepare` reserves encryptions under a data key
// (the KMS call, when one is needed) and fetches writer schemas; `apply` then seals synchronously
// and records what it sealed in the `weir-encryption` header.
import type { EncryptPolicyConfig } from '../../config/schema/encrypt-policy.ts'
import { GatewayError } from '../../core/errors.ts'
import { compileGlobs, type Matcher } from '../../core/glob.ts'
import type { RecordView } from '../../core/records/record-view.ts'
import type { KeyManagement } from '../../kms/index.ts'
import { FieldEditor } from '../fields/editor.ts'
import { sealFields } from '../fields/sealed.ts'
import type { MaskSchemaSource, RecordEdit } from '../mask/mask-set.ts'
import { valueContext } from './aes-gcm.ts'
import type { DataKeyCache } from './dek-cache.ts'
import { Envelope, type Sealer } from './envelope.ts'
import { ENCRYPTION_HEADER } from './header.ts'
import { headerTarget, KEY_TARGET, withoutEncryptionHeader } from './targets.ts'
import { encodingOf } from '../fields/encoding.ts'

export interface EncryptDeps {
  /** The provider of a `kms:` entry by name. */
  kms: (name: string) => KeyManagement | undefined
  cache: DataKeyCache
  /** Writer schemas by registry and id, for fields of Confluent-framed values. */
  schemas: MaskSchemaSource | undefined
}

export class EncryptPolicy {
  readonly config: EncryptPolicyConfig
  readonly topics: Matcher
  readonly #envelope: Envelope
  readonly #editors = new Map<string, FieldEditor>()
  readonly #schemas: MaskSchemaSource | undefined

  constructor(config: EncryptPolicyConfig, deps: EncryptDeps) {
    this.config = config
    this.topics = compileGlobs(config.topics)
    const kms = deps.kms(config.kms)
    if (kms === undefined)
      throw new Error(`encrypt policy "${config.name}": no kms "${config.kms}"`)
    this.#envelope = new Envelope({
      kms,
      kmsName: config.kms,
      kekId: config.kekId,
      maxEncryptionsPerDek: config.maxEncryptionsPerDek,
      maxDekAgeMs: config.maxDekAgeMs,
      cache: deps.cache,
    })
    this.#schemas = deps.schemas
    // Compiled now for plain JSON, so a bad pointer fails when the config loads.
    this.#editor(undefined)
  }

  #editor(registry: string | undefined): FieldEditor | undefined {
    const fields = this.config.fields
    if (fields === undefined) return undefined
    const key = registry ?? ''
    let editor = this.#editors.get(key)
    if (editor === undefined) {
      const source = this.#schemas
      editor = new FieldEditor(fields, {
        fetchSchema: (id) =>
          registry === undefined || source === undefined
            ? Promise.reject(new GatewayError('internal', `no schema registry for schema id ${id}`))
            : source(registry, id),
      })
      this.#editors.set(key, editor)
    }
    return editor
  }

  /** What a door that writes does to the records of a topic it covers. */
  encryptor(registry: string | undefined): RecordEdit {
    const { config } = this
    const editor = this.#editor(registry)
    let sealer: Sealer | undefined
    return {
      prepare: (records) => {
        const pending: Promise<unknown>[] = []
        if (editor !== undefined) {
          for (const record of records) {
            const value = record.value
            if (value === null || encodingOf(value, registry) !== 'registry') continue
            const waiting = editor.prepare(value, 'registry')
            if (waiting !== undefined) pending.push(waiting)
          }
        }
        // One encryption per record reserved; a record with more fields takes more from the same
        // data key while it has any left (Sealer.seal).
        if (sealer === undefined || sealer.remaining < records.length) {
          const count = Math.min(Math.max(records.length, 1), config.maxEncryptionsPerDek)
          pending.push(this.#envelope.prepareWrite(count).then((s) => (sealer = s)))
        }
        return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined)
      },
      apply: (record) => {
        if (sealer === undefined) {
          throw new GatewayError('internal', 'encryptor applied before prepare settled')
        }
        sealRecord(record, sealer, editor, registry, config)
      },
    }
  }
}

function sealRecord(
  record: RecordView,
  sealer: Sealer,
  editor: FieldEditor | undefined,
  registry: string | undefined,
  config: EncryptPolicyConfig
): void {
  const { topic } = record
  const targets: string[] = []
  const seal = (plaintext: Buffer, target: string): Buffer => {
    targets.push(target)
    return sealer.seal(plaintext, valueContext(topic, target))
  }
  const value = record.value
  let sealedValue = value
  if (value !== null && config.value === true) sealedValue = seal(value, '')
  else if (value !== null && editor !== undefined) {
    const encoding = encodingOf(value, registry)
    if (encoding === undefined) {
      // Never written clear when a field may be in it: refused instead.
      throw new GatewayError(
        'invalid-record',
        `topic "${topic}" encrypts fields of Confluent-framed values, and no schema registry is configured to read them`
      )
    }
    const aad = (path: string): Buffer => {
      targets.push(path)
      return valueContext(topic, path)
    }
    sealedValue =
      editor.edit(
        value,
        encoding,
        sealFields((p, context) => sealer.seal(p, context), aad)
      ) ?? value
  }
  const key = config.key && record.key !== null ? seal(record.key, KEY_TARGET) : record.key
  const names = new Set(config.headers)
  const sealedHeaders = new Set<string>()
  const headers = withoutEncryptionHeader(record.headers).map((h) => {
    if (!names.has(h.key) || h.value === null) return h
    const target = headerTarget(h.key)
    const sealed = sealer.seal(h.value, valueContext(topic, target))
    if (!sealedHeaders.has(target)) targets.push(target)
    sealedHeaders.add(target)
    return { key: h.key, value: sealed }
  })
  // A client's own `weir-encryption` header never survives on an encrypted topic.
  record.value = sealedValue
  record.key = key
  record.headers =
    targets.length === 0
      ? headers
      : [...headers, { key: ENCRYPTION_HEADER, value: sealer.header(targets) }]
}
