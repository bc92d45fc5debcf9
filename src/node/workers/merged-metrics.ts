// GET /metrics of `weir start --workers N`: the primary's own registry (config generation,
// reloads) merged with every worker's, asked over IPC. prom-client's AggregatorRegistry does the
// merge: counters and histogram buckets summed per label set, gauges by each metric's own
// aggregator (sum unless the metric says otherwise, e.g. the process start time).
import {
  AggregatorRegistry,
  Gauge,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client'
import type { GatewayMetrics } from '../../observability/metrics/gateway-metrics.ts'
import type { WorkerPool } from './worker-pool.ts'

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[]

/** What metricsRoutes needs of a GatewayMetrics: the text and its content type. */
export interface MetricsText {
  metrics(): Promise<string>
  readonly contentType: string
}

/** A worker's finished requests, all labels summed: shows how the kernel spreads the load. */
function requestsOf(metrics: MetricsJson): number {
  const requests = metrics.find((m) => m.name === 'weir_requests_total')
  return requests?.values.reduce((sum, v) => sum + v.value, 0) ?? 0
}

export function mergedMetrics(primary: GatewayMetrics, pool: WorkerPool): MetricsText {
  const registers = [primary.registry]
  // Which generation each worker runs, by worker slot: a reload that reached only some shows.
  const generation = new Gauge({
    name: 'weir_worker_config_generation',
    help: 'The configuration generation each worker process runs (0 while it starts)',
    labelNames: ['worker'],
    registers,
  })
  const requests = new Gauge({
    name: 'weir_worker_requests',
    help: 'Finished requests per worker process since it started (the sum is weir_requests_total)',
    labelNames: ['worker'],
    registers,
  })
  return {
    contentType: primary.contentType,
    async metrics() {
      const workers = await pool.ask({ kind: 'metrics' })
      generation.reset()
      for (const w of pool.generations()) generation.set({ worker: String(w.worker) }, w.generation)
      requests.reset()
      for (const { worker, value } of workers) {
        requests.set({ worker: String(worker) }, requestsOf(value as MetricsJson))
      }
      const own = await primary.registry.getMetricsAsJSON()
      return AggregatorRegistry.aggregate([
        own,
        ...workers.map((w) => w.value as MetricsJson),
      ]).metrics()
    },
  }
}
