// The primary's workers (node:cluster, Node's built-in multi-process server: every worker's
// listen() on a port shares one handle the primary holds, connections go round-robin on Linux).
// Forks N, runs the current configuration on each, restarts one that dies (with backoff),
// applies a change to all, asks them questions, and drains them at the end.
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from '../../observability/logger.ts'
import {
  isWeirMessage,
  type Answers,
  type FromWorker,
  type Question,
  type ToWorker,
} from './messages.ts'

const ASK_TIMEOUT_MS = 5000
/** A change may restart listeners and reconnect backends: it gets longer than a question. */
const APPLY_TIMEOUT_MS = 60_000
const MAX_BACKOFF_MS = 30_000
/** A worker up this long counts as healthy again: its next death restarts it at once. */
const STEADY_MS = 60_000

export interface Running {
  raw: Record<string, unknown>
  generation: number
}

interface Slot {
  slot: number
  worker: Worker
  /** The generation it runs; 0 while it starts. */
  generation: number
  startedAt: number
  failures: number
}

interface PoolOptions {
  count: number
  configDir?: string
  logger: Logger
  /** The configuration a (re)started worker runs. */
  current: () => Running
}

export class WorkerPool {
  readonly #slots = new Map<number, Slot>()
  readonly #pending = new Map<number, (message: FromWorker) => void>()
  #nextId = 1
  #stopping = false

  readonly options: PoolOptions

  constructor(options: PoolOptions) {
    this.options = options
  }

  /** Forks every worker; resolves once all run the current configuration, or rejects. */
  async start(): Promise<void> {
    const started = Array.from({ length: this.options.count }, (_, slot) => this.#fork(slot, 0))
    await Promise.all(started)
  }

  /** Each worker's generation (0: starting), by slot. */
  generations(): { worker: number; pid: number | undefined; generation: number }[] {
    return [...this.#slots].map(([slot, s]) => ({
      worker: slot,
      pid: s.worker.process.pid,
      generation: s.generation,
    }))
  }

  /** Sends a validated change to every worker; rejects if any could not apply it. */
  async apply(next: Running): Promise<unknown> {
    // A worker still starting runs the old document: it catches up once running.
    const running = [...this.#slots.values()].filter((s) => s.generation > 0)
    const results = await Promise.all(running.map((slot) => this.#applyTo(slot, next)))
    return results[0]
  }

  /** Brings every running worker that lags the current configuration up to it. */
  catchUp(): void {
    const current = this.options.current()
    for (const slot of this.#slots.values()) {
      if (slot.generation === 0 || slot.generation === current.generation) continue
      this.#applyTo(slot, current).catch((err: unknown) =>
        this.options.logger.error({ err, worker: slot.slot }, 'worker could not catch up')
      )
    }
  }

  async #applyTo(slot: Slot, next: Running): Promise<unknown> {
    const reply = await this.#request(slot, APPLY_TIMEOUT_MS, (id) => ({
      type: 'weir:apply',
      id,
      ...next,
    }))
    if (reply.type === 'weir:applied' && reply.error === undefined) {
      slot.generation = reply.generation
      return reply.result
    }
    throw new Error(
      `worker ${slot.slot}: ${reply.type === 'weir:applied' ? reply.error : 'no answer'}`
    )
  }

  /** Every running worker's answer (a worker that fails to answer is left out). */
  async ask<K extends Question['kind']>(
    question: Question & { kind: K }
  ): Promise<{ worker: number; value: Answers[K] }[]> {
    const running = [...this.#slots.values()].filter((s) => s.generation > 0)
    const answers = await Promise.all(
      running.map((slot) =>
        this.#request(slot, ASK_TIMEOUT_MS, (id) => ({ type: 'weir:ask', id, question })).then(
          (reply) =>
            reply.type === 'weir:answer' && reply.error === undefined
              ? { worker: slot.slot, value: reply.value as Answers[K] }
              : undefined,
          () => undefined
        )
      )
    )
    return answers.filter((a) => a !== undefined)
  }

  /** Tells every worker to drain; resolves with the undelivered records once all have exited. */
  async drain(): Promise<{ undelivered: number }> {
    this.#stopping = true
    const exits = [...this.#slots.values()].map(
      ({ worker }) =>
        new Promise<number>((resolve) => {
          let undelivered = 0
          worker.on('message', (m: FromWorker) => {
            if (isWeirMessage(m) && m.type === 'weir:drained') undelivered = m.undelivered
          })
          if (worker.isDead()) return resolve(0)
          // The count may not cross IPC before the worker exits: its exit code says it too.
          worker.once('exit', (code) =>
            resolve(code === 0 ? undelivered : Math.max(1, undelivered))
          )
          worker.send({ type: 'weir:drain' } satisfies ToWorker)
        })
    )
    const undelivered = (await Promise.all(exits)).reduce((a, b) => a + b, 0)
    return { undelivered }
  }

  #fork(slot: number, failures: number): Promise<void> {
    const worker = cluster.fork({ WEIR_WORKER_SLOT: String(slot) })
    const state: Slot = { slot, worker, generation: 0, startedAt: Date.now(), failures }
    this.#slots.set(slot, state)
    const { logger } = this.options
    return new Promise((resolve, reject) => {
      let running = false
      worker.on('message', (message: unknown) => {
        if (!isWeirMessage(message)) return
        const m = message as FromWorker
        if (m.type === 'weir:running') {
          running = true
          state.generation = m.generation
          logger.info(
            { worker: slot, pid: worker.process.pid, generation: m.generation },
            'worker running'
          )
          resolve()
          this.catchUp()
        } else if (m.type === 'weir:start-failed') {
          reject(new Error(`worker ${slot} could not start: ${m.error}`))
        } else if ('id' in m) {
          this.#pending.get(m.id)?.(m)
        }
      })
      worker.once('online', () => {
        const { raw, generation } = this.options.current()
        worker.send({
          type: 'weir:run',
          raw,
          generation,
          configDir: this.options.configDir,
        } satisfies ToWorker)
      })
      worker.once('exit', (code, signal) => {
        if (!running) reject(new Error(`worker ${slot} exited before it ran (${signal ?? code})`))
        if (this.#stopping || this.#slots.get(slot)?.worker !== worker) return
        const steady = Date.now() - state.startedAt > STEADY_MS
        const attempt = steady ? 0 : state.failures + 1
        const delay = attempt === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 250 * 2 ** (attempt - 1))
        logger.error(
          { worker: slot, pid: worker.process.pid, code, signal, restartInMs: delay },
          'worker died unexpectedly: restarting it'
        )
        setTimeout(() => {
          if (this.#stopping) return
          this.#fork(slot, attempt).catch((err: unknown) =>
            logger.error({ err, worker: slot }, 'restarted worker did not start')
          )
        }, delay).unref()
      })
    })
  }

  #request(slot: Slot, timeoutMs: number, message: (id: number) => ToWorker): Promise<FromWorker> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`worker ${slot.worker.id} did not answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, (reply) => {
        clearTimeout(timer)
        this.#pending.delete(id)
        resolve(reply)
      })
      slot.worker.send(message(id))
    })
  }
}
