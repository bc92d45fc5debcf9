// What the primary and its workers say to each other over the cluster IPC channel (JSON). The
// primary starts a worker with `run`, changes its config with `apply` and stops it with `drain`;
// `ask` is a question with an answer (`answer`, same id): metrics, a backend probe.
import type { ProbeResult } from '../../core/readiness.ts'
import type { ReloadResult } from '../../gateway.ts'

export type ToWorker =
  | {
      type: 'weir:run'
      raw: Record<string, unknown>
      generation: number
      configDir?: string
    }
  | { type: 'weir:apply'; id: number; raw: Record<string, unknown>; generation: number }
  | { type: 'weir:drain' }
  | { type: 'weir:ask'; id: number; question: Question }

export type Question = { kind: 'metrics' } | { kind: 'probe'; backendCluster: string }

export type FromWorker =
  | { type: 'weir:running'; generation: number }
  | { type: 'weir:start-failed'; error: string }
  | { type: 'weir:applied'; id: number; generation: number; result?: ReloadResult; error?: string }
  | { type: 'weir:answer'; id: number; value?: unknown; error?: string }
  | { type: 'weir:drained'; undelivered: number }

/** The answer's shape by question. */
export interface Answers {
  /** prom-client's `registry.getMetricsAsJSON()`. */
  metrics: unknown[]
  probe: ProbeResult
}

export const isWeirMessage = (message: unknown): message is { type: string } =>
  typeof message === 'object' &&
  message !== null &&
  typeof (message as { type?: unknown }).type === 'string' &&
  (message as { type: string }).type.startsWith('weir:')
