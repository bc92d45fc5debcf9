// A data plane's link to its control plane: fetch the configuration (conditional GET on its ETag,
// so an unchanged config costs a 304), hand new ones to the node, and report what it runs. When
// the control plane cannot be reached, the node keeps serving its last good configuration and the
// agent retries with exponential backoff and full jitter, so a fleet does not come back in step.
// The log says so once when the control plane goes away (each retry after that is at debug) and
// once when it is back, with how long it was away.
// The last good document can be kept in a file (mode 0600: it holds secrets) to start from when
// the control plane is down at boot.
import { readFile, rename, writeFile } from 'node:fs/promises'
import type { Logger } from '../observability/logger.ts'
import type { DataPlaneReport } from './data-planes.ts'

export interface DataPlaneAgentOptions {
  /** Base URL of the control plane's admin listener. */
  controlPlane: string
  /** Bearer token; without one, the client certificate of `fetchInit` must identify it. */
  token?: string
  /** How this data plane is known to the control plane. */
  id: string
  intervalMs?: number
  maxBackoffMs?: number
  /** Where the last good document is kept. */
  cacheFile?: string
  /** Extra fetch options (a TLS dispatcher for mTLS to the control plane). */
  fetchInit?: RequestInit
  logger: Logger
}

export interface FetchedConfig {
  raw: Record<string, unknown>
  etag: string
  /** `control-plane`, or `cache` when it came from the cache file. */
  from: 'control-plane' | 'cache'
}

/** Takes a new document; throws when it cannot be applied (the node keeps the running one). */
export type ApplyConfig = (raw: Record<string, unknown>) => Promise<void>

export class DataPlaneAgent {
  readonly #options: DataPlaneAgentOptions
  readonly #interval: number
  readonly #maxBackoff: number
  #etag: string | undefined
  #error: string | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  #failures = 0
  /** Since when the control plane has not answered, and how many attempts failed since. */
  #away: { since: number; failedAttempts: number } | undefined

  constructor(options: DataPlaneAgentOptions) {
    this.#options = options
    this.#interval = options.intervalMs ?? 5000
    this.#maxBackoff = options.maxBackoffMs ?? 60_000
  }

  /** The configuration to start with: from the control plane, else from the cache file. */
  async initial(deadlineMs = 30_000): Promise<FetchedConfig> {
    const until = Date.now() + deadlineMs
    for (;;) {
      try {
        const fetched = await this.#fetch()
        if (fetched !== undefined) {
          this.#failures = 0
          this.#reachable()
          return fetched
        }
      } catch (err) {
        const cached = await this.#readCache()
        if (cached !== undefined) {
          this.#unreachable(
            { err: (err as Error).message, cacheFile: this.#options.cacheFile },
            'control plane unreachable: starting from the last good configuration'
          )
          return cached
        }
        if (Date.now() >= until) throw err
        const delay = this.#backoff()
        this.#unreachable(
          { err: (err as Error).message, retryInMs: delay },
          'control plane unreachable and no cached configuration: waiting for it'
        )
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  /** Polls from now on, applying what changed; `applied` says what the node started with. */
  start(applied: FetchedConfig, apply: ApplyConfig, status: () => DataPlaneReport): void {
    this.#etag = applied.etag
    if (applied.from === 'control-plane') void this.#cache(applied.raw)
    const poll = async () => {
      let delay = this.#interval
      try {
        const fetched = await this.#fetch()
        this.#failures = 0
        if (fetched !== undefined) {
          try {
            await apply(fetched.raw)
            this.#etag = fetched.etag
            this.#error = undefined
            void this.#cache(fetched.raw)
          } catch (err) {
            this.#error = (err as Error).message
            this.#options.logger.error(
              { etag: fetched.etag, err: this.#error },
              'configuration from the control plane not applied: the running one stays'
            )
          }
        }
        await this.#report(status())
        this.#reachable()
      } catch (err) {
        delay = this.#backoff()
        this.#unreachable(
          { err: (err as Error).message, retryInMs: delay },
          'control plane unreachable: serving the last good configuration'
        )
      }
      if (!this.#stopped) this.#timer = setTimeout(() => void poll(), delay)
    }
    this.#timer = setTimeout(() => void poll(), this.#interval)
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  /** Undefined when the control plane answered 304 (nothing new). */
  async #fetch(): Promise<FetchedConfig | undefined> {
    const headers = this.#auth()
    if (this.#etag !== undefined) headers['if-none-match'] = this.#etag
    const res = await fetch(`${this.#options.controlPlane}/v1/data-plane/config`, {
      ...this.#options.fetchInit,
      headers,
      signal: AbortSignal.timeout(10_000),
    })
    if (res.status === 304) return undefined
    if (!res.ok) {
      throw new Error(`control plane answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    }
    const body = (await res.json()) as { config: Record<string, unknown> }
    return { raw: body.config, etag: res.headers.get('etag') ?? '', from: 'control-plane' }
  }

  async #report(report: DataPlaneReport): Promise<void> {
    const body: DataPlaneReport = {
      ...report,
      pollIntervalMs: this.#interval,
      etag: this.#etag,
      ...(this.#error === undefined ? {} : { health: 'degraded', error: this.#error }),
    }
    const res = await fetch(
      `${this.#options.controlPlane}/v1/data-planes/${encodeURIComponent(this.#options.id)}/status`,
      {
        ...this.#options.fetchInit,
        method: 'POST',
        headers: {
          ...this.#auth(),
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      }
    )
    if (!res.ok) throw new Error(`status report answered ${res.status}`)
  }

  #auth(): Record<string, string> {
    const token = this.#options.token
    return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` }
  }

  /** Warns when the control plane goes away; the retries after that are logged at debug. */
  #unreachable(fields: Record<string, unknown>, message: string): void {
    if (this.#away === undefined) {
      this.#away = { since: Date.now(), failedAttempts: 1 }
      this.#options.logger.warn(fields, message)
      return
    }
    this.#away.failedAttempts++
    this.#options.logger.debug(
      { ...fields, failedAttempts: this.#away.failedAttempts },
      'control plane still unreachable'
    )
  }

  /** Says, once, that the control plane answers again after it was away. */
  #reachable(): void {
    if (this.#away === undefined) return
    const { since, failedAttempts } = this.#away
    this.#away = undefined
    this.#options.logger.info(
      { unreachableMs: Date.now() - since, failedAttempts },
      'control plane reachable again'
    )
  }

  /** Exponential, capped, with full jitter. */
  #backoff(): number {
    this.#failures++
    const ceiling = Math.min(this.#maxBackoff, this.#interval * 2 ** Math.min(this.#failures, 16))
    return Math.max(100, Math.random() * ceiling)
  }

  async #cache(raw: Record<string, unknown>): Promise<void> {
    const file = this.#options.cacheFile
    if (file === undefined) return
    try {
      const payload = JSON.stringify({ etag: this.#etag, config: raw })
      await writeFile(`${file}.tmp`, payload, { mode: 0o600 })
      await rename(`${file}.tmp`, file)
    } catch (err) {
      this.#options.logger.warn({ err, file }, 'could not keep the configuration in the cache file')
    }
  }

  async #readCache(): Promise<FetchedConfig | undefined> {
    const file = this.#options.cacheFile
    if (file === undefined) return undefined
    try {
      const cached = JSON.parse(await readFile(file, 'utf8')) as {
        etag: string
        config: Record<string, unknown>
      }
      return { raw: cached.config, etag: cached.etag, from: 'cache' }
    } catch {
      return undefined
    }
  }
}
