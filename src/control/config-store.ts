// The running configuration of a node and the one way to change it: a candidate document is
// validated whole (schema, references, policies that compile, listeners that can run), then
// applied; anything wrong rejects it with every issue found and the running config stays. Changes
// from the file watcher and the admin API go through here, one at a time, and each applied
// document gets a version: a generation number and an ETag (a hash of its content, the same on
// every node for the same document).
import { createHash } from 'node:crypto'
import {
  ConfigError,
  validateConfigObject,
  type ConfigDocument,
  type ConfigIssue,
  type WeirConfig,
} from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'

export interface ConfigVersion {
  /** 1 for the config the node started with, +1 per applied change. */
  generation: number
  /** Strong ETag of the document's content, quoted as HTTP wants it. */
  etag: string
  appliedAt: string
  /** What applied it: `file`, `admin-api`, `control-plane`... */
  source: string
}

export interface AppliedConfig extends ConfigDocument {
  version: ConfigVersion
}

/** Applies a validated config to whatever runs it; throws when it cannot be applied. */
/** Applies a validated config; `raw` is the document it came from (sent as-is to worker processes). */
export type Applier = (config: WeirConfig, raw: Record<string, unknown>) => Promise<unknown>

/** The candidate was refused: the running config stays. */
export class ConfigRejected extends Error {
  readonly issues: ConfigIssue[]
  constructor(issues: ConfigIssue[]) {
    super(
      `configuration rejected: ${issues.map((i) => `${i.path || '(document)'}: ${i.message}`).join('; ')}`
    )
    this.name = 'ConfigRejected'
    this.issues = issues
  }
}

/** The candidate was written against a version that is no longer the running one. */
export class VersionConflict extends Error {
  readonly current: ConfigVersion
  constructor(current: ConfigVersion) {
    super(`the running configuration is now version ${current.generation} (${current.etag})`)
    this.name = 'VersionConflict'
    this.current = current
  }
}

export class ConfigStore {
  #current: AppliedConfig
  readonly #apply: Applier
  readonly #check: (config: WeirConfig) => void
  readonly #logger: Logger
  #queue: Promise<unknown> = Promise.resolve()
  readonly #watchers = new Set<(applied: AppliedConfig, result: unknown) => void>()

  constructor(
    initial: ConfigDocument,
    options: {
      apply: Applier
      /** Checks beyond the schema (policies compile, listeners can run); throws if not. */
      check: (config: WeirConfig) => void
      logger: Logger
      source?: string
    }
  ) {
    this.#apply = options.apply
    this.#check = options.check
    this.#logger = options.logger
    this.#current = { ...initial, version: versionOf(initial.raw, 1, options.source ?? 'start') }
  }

  get current(): AppliedConfig {
    return this.#current
  }

  /** Validates a candidate document without applying it; throws ConfigRejected. */
  validate(raw: unknown): WeirConfig {
    let config: WeirConfig
    try {
      config = validateConfigObject(raw, 'candidate')
      this.#check(config)
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigRejected(err.issues)
      throw new ConfigRejected([{ path: '', message: (err as Error).message }])
    }
    return config
  }

  /**
   * Validates and applies a candidate, after every change asked before it. `ifMatch` (an ETag)
   * makes it conditional on the running version. Resolves with what the applier returned.
   */
  apply(
    raw: Record<string, unknown>,
    source: string,
    ifMatch?: string
  ): Promise<{ applied: AppliedConfig; result: unknown; changed: boolean }> {
    const run = this.#queue.then(async () => {
      if (ifMatch !== undefined && ifMatch !== this.#current.version.etag && ifMatch !== '*') {
        throw new VersionConflict(this.#current.version)
      }
      let config: WeirConfig
      try {
        config = this.validate(raw)
      } catch (err) {
        this.#logger.error(
          { source, issues: (err as ConfigRejected).issues },
          'configuration rejected: the running one stays'
        )
        throw err
      }
      const etag = etagOf(raw)
      if (etag === this.#current.version.etag) {
        return { applied: this.#current, result: undefined, changed: false }
      }
      let result: unknown
      try {
        result = await this.#apply(config, raw)
      } catch (err) {
        this.#logger.error(
          { source, err },
          'configuration could not be applied: the running one stays'
        )
        throw new ConfigRejected([{ path: '', message: (err as Error).message }])
      }
      const version = versionOf(raw, this.#current.version.generation + 1, source)
      this.#current = { raw, config, version }
      this.#logger.info(
        { source, generation: version.generation, etag: version.etag },
        'configuration applied'
      )
      for (const watcher of this.#watchers) watcher(this.#current, result)
      return { applied: this.#current, result, changed: true }
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Called after each applied change. */
  onApplied(watcher: (applied: AppliedConfig, result: unknown) => void): () => void {
    this.#watchers.add(watcher)
    return () => this.#watchers.delete(watcher)
  }
}

function versionOf(raw: unknown, generation: number, source: string): ConfigVersion {
  return { generation, etag: etagOf(raw), appliedAt: new Date().toISOString(), source }
}

/** A hash of the document with its keys sorted, so that key order does not make a new version. */
export function etagOf(raw: unknown): string {
  const hash = createHash('sha256').update(canonicalJson(raw)).digest('base64url')
  return `"${hash.slice(0, 27)}"`
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
