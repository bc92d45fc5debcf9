// Where the machine's CPU went while a step was measured: the bench shares a small machine with
// the broker and with whatever else runs on it, and a figure means little without knowing which
// of them took the cores. Linux only (/proc); elsewhere the figures are NaN.
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { processCpuSeconds } from './gateway-process.ts'
import { benchStackDir } from './infra.ts'

/** Linux reports /proc/stat in units of USER_HZ, 100 on every architecture. */
const userHz = 100

/** CPU seconds used so far, by whom. */
export interface CpuSample {
  /** All cores, on anything but idling. */
  machine: number
  weir: number
  subscribers: number
  /** The local broker the bench started; NaN for an external one. */
  broker: number
  /** This process: the producer and the direct consumer. */
  bench: number
}

/** The broker the bench started (see infra.ts) records its pid; an external one is not ours. */
function brokerCpuSeconds(): number {
  const file = path.join(benchStackDir, 'kafka', 'kafka.pid')
  if (process.env.WEIR_BENCH_BOOTSTRAP || !existsSync(file)) return Number.NaN
  return processCpuSeconds(Number(readFileSync(file, 'utf8').trim()))
}

/** CPU seconds all cores spent on anything but idling since boot; NaN without /proc. */
export function machineBusySeconds(): number {
  if (!existsSync('/proc/stat')) return Number.NaN
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  // cpu user nice system idle iowait irq softirq steal ...
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  return (fields.reduce((a, b) => a + b, 0) - idle) / userHz
}

/**
 * CPU time of this process's children that ended and were waited for (libuv waits for every child
 * it spawned), user + system: the difference around a child's run is that child's CPU, without
 * having to catch it in /proc before it exits. NaN without /proc.
 */
export function endedChildrenCpuSeconds(): number {
  const file = '/proc/self/stat'
  if (!existsSync(file)) return Number.NaN
  const stat = readFileSync(file, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // cutime and cstime are fields 16 and 17 of the line, so 13 and 14 after the name and state.
  return (Number(fields[13]) + Number(fields[14])) / userHz
}

/** `weir` counts its workers too (`--workers N`: child processes); the subscribers are one process. */
export function sampleCpu(weir: { cpuSeconds(): number }, subscribersPid: number): CpuSample {
  const own = process.cpuUsage()
  return {
    machine: machineBusySeconds(),
    weir: weir.cpuSeconds(),
    subscribers: processCpuSeconds(subscribersPid),
    broker: brokerCpuSeconds(),
    bench: (own.user + own.system) / 1e6,
  }
}

/** Cores each used on average between two samples `seconds` apart. */
export function cpuBetween(from: CpuSample, to: CpuSample, seconds: number): CpuSample {
  const per = (key: keyof CpuSample): number => (to[key] - from[key]) / seconds
  return {
    machine: per('machine'),
    weir: per('weir'),
    subscribers: per('subscribers'),
    broker: per('broker'),
    bench: per('bench'),
  }
}

/** For a note: busy cores and who took them, the rest being other processes on the machine. */
export function describeCpu(cores: CpuSample): string {
  const broker = Number.isNaN(cores.broker) ? 0 : cores.broker
  // Never below zero: the samples are read a moment apart.
  const others = Math.max(0, cores.machine - cores.weir - cores.subscribers - cores.bench - broker)
  const parts = [
    `Weir ${cores.weir.toFixed(2)}`,
    `subscriber process ${cores.subscribers.toFixed(2)}`,
    `producer and direct consumer ${cores.bench.toFixed(2)}`,
    ...(Number.isNaN(cores.broker) ? [] : [`broker ${cores.broker.toFixed(2)}`]),
    `other processes ${others.toFixed(2)}`,
  ]
  return `CPU busy while measuring ${cores.machine.toFixed(2)} of ${os.availableParallelism()} cores (${parts.join(', ')})`
}
