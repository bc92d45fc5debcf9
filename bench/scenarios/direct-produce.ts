// The baseline: a kafkajs producer talking straight to the broker, no gateway in between. Every
// gateway produce scenario is compared against these figures from the same run.
import { randomBytes } from 'node:crypto'
import { Partitioners } from 'kafkajs'
import { benchKafka, benchPartitions, freshTopic } from '../kafka.ts'
import { drive, type LoadPlan } from '../load.ts'
import { figureId, type Figure, type Scenario } from '../scenario.ts'
import { percentile } from '../stats.ts'

const name = 'direct-produce'

/** Bytes per record value; keys are null. */
export const recordBytes = 1024

/** Shared with the gateway produce scenarios, so both paths carry the same load. */
export const producePlan: LoadPlan = {
  records: 100_000,
  batchSize: 500,
  inFlight: 4,
  maxMs: 15_000,
}

/** Enough to open connections, fetch metadata and let the broker's JIT settle a little. */
export const warmUpPlan: LoadPlan = { records: 20_000, batchSize: 500, inFlight: 4, maxMs: 5_000 }

export const directProduce: Scenario = {
  name,
  description:
    `kafkajs producer straight to the broker, acks=all, no compression: ${recordBytes}-byte records ` +
    `to a fresh ${benchPartitions}-partition topic, ${producePlan.batchSize} per send(), ` +
    `${producePlan.inFlight} sends in flight, up to ${producePlan.records} records or ` +
    `${producePlan.maxMs / 1000} s after a warm-up of up to ${warmUpPlan.records}.`,
  async run(ctx) {
    const kafka = benchKafka(ctx, 'weir-bench-direct')
    const { topic, remove } = await freshTopic(kafka, name)
    // The v2 default partitioner, named so kafkajs does not warn about its change from v1.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    try {
      // Random bytes, so a broker or disk that compresses gains nothing from the payload.
      const value = randomBytes(recordBytes)
      const send = async (count: number): Promise<void> => {
        const messages = Array.from({ length: count }, () => ({ value }))
        await producer.send({ topic, acks: -1, messages })
      }
      ctx.log(`warming up on ${topic}`)
      await drive(warmUpPlan, send)
      ctx.log('measuring')
      const cpuBefore = process.cpuUsage()
      const result = await drive(producePlan, send)
      const cpu = process.cpuUsage(cpuBefore)
      if (result.timedOut) ctx.log(`time limit reached after ${result.records} records`)
      const seconds = result.elapsedMs / 1000
      const self = (metric: string): string => figureId(name, metric)
      const figures: Figure[] = [
        {
          metric: 'throughput',
          value: result.records / seconds,
          unit: 'records/s',
          better: 'higher',
          baseline: self('throughput'),
        },
        {
          metric: 'payload throughput',
          value: (result.records * recordBytes) / seconds / 2 ** 20,
          unit: 'MiB/s',
          better: 'higher',
          baseline: self('payload throughput'),
        },
        {
          metric: 'send p50',
          value: percentile(result.latenciesMs, 50),
          unit: 'ms',
          better: 'lower',
          baseline: self('send p50'),
        },
        {
          metric: 'send p99',
          value: percentile(result.latenciesMs, 99),
          unit: 'ms',
          better: 'lower',
          baseline: self('send p99'),
        },
        {
          // The client's share of the work; the broker's is the same on every path. A gateway's
          // CPU per event compares with this: robust to whatever else runs on the machine.
          metric: 'client CPU per record',
          value: (cpu.user + cpu.system) / result.records,
          unit: 'µs',
          better: 'lower',
          baseline: self('client CPU per record'),
        },
        { metric: 'records measured', value: result.records, unit: 'records' },
        { metric: 'duration', value: seconds, unit: 's' },
      ]
      return figures
    } finally {
      await producer.disconnect()
      await remove().catch((err: unknown) => ctx.log(`could not delete ${topic}: ${String(err)}`))
    }
  },
}
