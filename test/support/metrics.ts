// Reads a metric from a GatewayMetrics registry: the sum of every series whose labels include
// `labels`. For a histogram, `sample` picks the series (`_count`, `_sum`).
import type { GatewayMetrics } from '../../src/observability/metrics/gateway-metrics.ts'

export async function metricValue(
  metrics: GatewayMetrics,
  name: string,
  labels: Record<string, string> = {},
  sample?: '_count' | '_sum'
): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name)
  if (metric === undefined) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  let total = 0
  for (const value of values) {
    const metricName = (value as { metricName?: string }).metricName
    if (sample !== undefined && metricName !== `${name}${sample}`) continue
    const sampleLabels = value.labels as Record<string, string | number | undefined>
    if (Object.entries(labels).every(([k, v]) => String(sampleLabels[k]) === v)) {
      total += value.value
    }
  }
  return total
}
