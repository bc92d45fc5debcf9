// The shared state store on Redis (or Valkey), through ioredis: maintained, few dependencies,
// and it has what "never a hang" needs built in: a per-command timeout, no offline queue (a call
// while disconnected fails at once instead of waiting for a reconnect), reconnection with a
// backoff we choose, and scripts run by EVALSHA that fall back to EVAL when the store lost them.
import { readFileSync } from 'node:fs'
import { Redis, type RedisOptions } from 'ioredis'
import type { StateConfig } from '../config/schema/index.ts'
import type { Logger } from '../observability/logger.ts'
import {
  StoreUnavailableError,
  type BucketShape,
  type IdempotencyRecord,
  type SlotsAnswer,
  type StateStore,
  type TokenTake,
} from './store.ts'
import { CONNECTION_SLOTS_SCRIPT } from './connection-slots-script.ts'
import { TOKEN_BUCKET_SCRIPT } from './token-bucket-script.ts'

type TokenBucketClient = Redis & {
  tokenBucket(key: string, ...args: (string | number)[]): Promise<[string, string, string]>
  connectionSlots(key: string, ...args: (string | number)[]): Promise<[number, number]>
}

/** Reconnect backoff: doubling from 50 ms, at most 2 s apart, for as long as Weir runs. */
export function reconnectDelay(attempt: number): number {
  return Math.min(2_000, 50 * 2 ** Math.min(attempt - 1, 6))
}

export class RedisStateStore implements StateStore {
  readonly #client: TokenBucketClient
  readonly #prefix: string
  #firstConnection: Promise<void> | undefined

  constructor(config: StateConfig, logger: Logger) {
    this.#prefix = config.keyPrefix
    const url = new URL(config.url)
    const tls = config.tls
    const options: RedisOptions = {
      host: url.hostname,
      port: url.port === '' ? 6379 : Number(url.port),
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      username: config.username,
      password: config.password,
      connectTimeout: config.connectTimeoutMs,
      commandTimeout: config.commandTimeoutMs,
      enableOfflineQueue: false,
      // A call fails once; the caller's fallback (fail-open or fail-closed) decides what follows.
      maxRetriesPerRequest: 0,
      retryStrategy: reconnectDelay,
      tls:
        url.protocol === 'rediss:' || (tls !== undefined && tls.enabled)
          ? {
              ca: tls?.caFile === undefined ? undefined : readFileSync(tls.caFile),
              cert: tls?.certFile === undefined ? undefined : readFileSync(tls.certFile),
              key: tls?.keyFile === undefined ? undefined : readFileSync(tls.keyFile),
              rejectUnauthorized: tls?.rejectUnauthorized ?? true,
              servername: tls?.serverName ?? url.hostname,
            }
          : undefined,
    }
    const client = new Redis(options) as TokenBucketClient
    client.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_SCRIPT })
    client.defineCommand('connectionSlots', { numberOfKeys: 1, lua: CONNECTION_SLOTS_SCRIPT })
    // Told once per outage, not once per failed call or reconnect attempt.
    let down = false
    client.on('error', (err: Error) => {
      if (down) return
      down = true
      logger.warn({ err, url: `${url.protocol}//${url.host}` }, 'shared state store unavailable')
    })
    client.on('ready', () => {
      if (down) logger.info({ url: `${url.protocol}//${url.host}` }, 'shared state store back')
      down = false
    })
    this.#client = client
    // Until the first connection settles, calls wait for it (bounded by connectTimeoutMs): a node
    // just started must not decide on its own while it is still reaching the store.
    this.#firstConnection = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, config.connectTimeoutMs)
      const settle = () => {
        clearTimeout(timer)
        this.#firstConnection = undefined
        resolve()
      }
      client.once('ready', settle)
      client.once('error', settle)
    })
  }

  get ready(): boolean {
    return this.#client.status === 'ready'
  }

  take(key: string, shape: BucketShape, want: number, min: number): Promise<TokenTake> {
    return this.#bucket(key, shape, want, min, 0)
  }

  charge(key: string, shape: BucketShape, amount: number): Promise<TokenTake> {
    return this.#bucket(key, shape, amount, 0, 1)
  }

  async #bucket(
    key: string,
    shape: BucketShape,
    want: number,
    min: number,
    debt: 0 | 1
  ): Promise<TokenTake> {
    const [granted, balance, wait] = await this.#call(() =>
      this.#client.tokenBucket(this.#prefix + key, shape.rate, shape.capacity, want, min, debt)
    )
    return { granted: Number(granted), balance: Number(balance), waitMs: Number(wait) }
  }

  async setSlots(
    key: string,
    node: string,
    count: number,
    max: number,
    ttlMs: number
  ): Promise<SlotsAnswer> {
    const [set, others] = await this.#call(() =>
      this.#client.connectionSlots(this.#prefix + key, node, count, max, ttlMs)
    )
    return { set: set === 1, others }
  }

  async claim(
    key: string,
    fingerprint: string,
    ttlMs: number
  ): Promise<IdempotencyRecord | undefined> {
    const id = this.#prefix + key
    const marker = JSON.stringify({ state: 'running', fingerprint })
    // SET NX, then GET on a refusal: a record that expired in between is claimed on the retry.
    for (let attempt = 0; attempt < 3; attempt++) {
      const set = await this.#call(() => this.#client.set(id, marker, 'PX', ttlMs, 'NX'))
      if (set === 'OK') return undefined
      const existing = await this.read(key)
      if (existing !== undefined) return existing
    }
    throw new StoreUnavailableError(new Error(`could not claim ${key}`))
  }

  async read(key: string): Promise<IdempotencyRecord | undefined> {
    const value = await this.#call(() => this.#client.get(this.#prefix + key))
    return value === null ? undefined : (JSON.parse(value) as IdempotencyRecord)
  }

  async complete(key: string, fingerprint: string, response: string, ttlMs: number) {
    const record = JSON.stringify({ state: 'done', fingerprint, response })
    await this.#call(() => this.#client.set(this.#prefix + key, record, 'PX', ttlMs))
  }

  async release(key: string): Promise<void> {
    await this.#call(() => this.#client.del(this.#prefix + key))
  }

  async close(): Promise<void> {
    this.#client.disconnect()
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    if (this.#firstConnection !== undefined) await this.#firstConnection
    try {
      return await run()
    } catch (err) {
      throw new StoreUnavailableError(err)
    }
  }
}
