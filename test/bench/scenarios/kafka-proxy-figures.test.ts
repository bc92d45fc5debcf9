// kafka-proxy's figures with Kroxylicious beside Weir: every proxy against the direct path, Weir
// against Kroxylicious, and each proxy's CPU over its own work only.
import { describe, expect, it } from 'vitest'
import type { ConsumerRun, ProducerRun } from '../../../bench/kafka-perf.ts'
import { proxyFigures, type ProxyOutcome } from '../../../bench/scenarios/kafka-proxy-figures.ts'

const produced = (records: number, seconds: number, p99 = 10): ProducerRun => ({
  records,
  recordsPerSec: records / seconds,
  mibPerSec: records / 1024 / seconds,
  latencyMs: { avg: p99 / 2, max: p99, p50: p99 / 4, p95: p99, p99, p999: p99 },
  seconds,
  warnings: new Map(),
})

const consumed = (records: number, fetchMs: number): ConsumerRun => ({
  records,
  mib: records / 1024,
  rebalanceMs: 400,
  fetchMs,
  endMs: 0,
  recordsPerSec: (records * 1000) / fetchMs,
  mibPerSec: records / 1024 / (fetchMs / 1000),
  warnings: new Map(),
})

const self = (metric: string): string => `kafka-proxy/${metric}`

function outcome(): ProxyOutcome {
  return {
    recordBytes: 1024,
    full: {
      runs: {
        direct: [produced(100_000, 2), produced(100_000, 2)],
        weir: [produced(100_000, 4), produced(100_000, 4)],
        kroxylicious: [produced(100_000, 2.5), produced(100_000, 2.5)],
      },
      // 200 000 records of 1 KiB each: 195.3125 MiB per proxy.
      cpuSeconds: { weir: 2, kroxylicious: 1 },
    },
    half: {
      runs: {
        direct: [produced(10_000, 1, 4)],
        weir: [produced(10_000, 1, 10)],
        kroxylicious: [produced(10_000, 1, 6)],
      },
    },
    consumed: {
      runs: {
        direct: [consumed(200_000, 1000)],
        weir: [consumed(200_000, 2000)],
        kroxylicious: [consumed(200_000, 1600)],
      },
      cpuSeconds: { weir: 0.5, kroxylicious: 0.25 },
    },
  }
}

const aims = { throughput: 0.95, consumeVsPeer: 1.2, addedP99Ms: 1, consumeCpuMsPerMiB: 1.5 }

describe('kafka-proxy figures', () => {
  const figures = proxyFigures(outcome(), aims, self)
  const figure = (metric: string) => {
    const found = figures.find((f) => f.metric === metric)
    if (!found) throw new Error(`no figure ${metric} in ${figures.map((f) => f.metric).join(', ')}`)
    return found
  }

  it('measures Kroxylicious against the direct path, as Weir is', () => {
    expect(figure('Kroxylicious produce throughput')).toMatchObject({
      value: 40_000,
      baseline: 'kafka-proxy/direct produce throughput',
    })
    expect(figure('Kroxylicious consume throughput')).toMatchObject({
      value: 125_000,
      baseline: 'kafka-proxy/direct consume throughput',
    })
    expect(figure('Kroxylicious half-load produce p99')).toMatchObject({
      value: 6,
      baseline: 'kafka-proxy/direct half-load produce p99',
    })
    expect(figure('Kroxylicious: added produce p99 at half load').value).toBe(2)
    // Weir's figures keep the names, baselines and aims they had before the peer.
    expect(figure('Weir produce throughput')).toMatchObject({
      value: 25_000,
      baseline: 'kafka-proxy/direct produce throughput',
      aim: 0.95,
    })
    expect(figure('added produce p99 at half load')).toMatchObject({ value: 6, target: 1 })
  })

  it("puts Weir's throughput and CPU against Kroxylicious's of the same run", () => {
    expect(figure('Weir consume throughput against Kroxylicious')).toMatchObject({
      value: 100_000,
      baseline: 'kafka-proxy/Kroxylicious consume throughput',
      aim: 1.2,
    })
    expect(figure('Weir produce throughput against Kroxylicious')).toMatchObject({
      value: 25_000,
      baseline: 'kafka-proxy/Kroxylicious produce throughput',
    })
    expect(figure('Weir CPU per produced MiB')).toMatchObject({
      value: 2000 / 195.3125,
      baseline: 'kafka-proxy/Kroxylicious CPU per produced MiB',
    })
    expect(figure('Kroxylicious CPU per consumed MiB')).toMatchObject({
      value: 250 / 195.3125,
      baseline: 'kafka-proxy/Kroxylicious CPU per consumed MiB',
    })
    expect(figure('Weir CPU per consumed MiB').target).toBe(1.5)
    expect(figure('Kroxylicious CPU per consumed MiB').target).toBeUndefined()
    // 2 s of CPU over 8 s of Weir's own full-speed runs.
    expect(figure('Weir CPU at full-speed produce').value).toBe(0.25)
  })
})
