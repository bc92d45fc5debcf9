import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  batchBudget,
  DEFAULT_MAX_MESSAGE_BYTES,
  TopicLimits,
} from '../../../src/kafka/producer/topic-limits.ts'
import { createLogger } from '../../../src/observability/logger.ts'

const logger = createLogger({ level: 'silent', pretty: false })

function source(answers: (string | Error)[]) {
  const asked: string[] = []
  return {
    asked,
    topicConfig: async (cluster: string, topic: string, key: string) => {
      asked.push(`${cluster}/${topic}/${key}`)
      const answer = answers.shift()
      if (answer instanceof Error) throw answer
      return answer
    },
  }
}

describe('TopicLimits', () => {
  afterEach(() => vi.useRealTimers())

  it("asks a topic's max.message.bytes once, and again once told it changed", async () => {
    const brokers = source(['10000', '20000'])
    const limits = new TopicLimits(brokers, logger)
    expect(await limits.maxMessageBytes('main', 'orders')).toBe(10000)
    // Known: the number itself, no promise (every produce request asks).
    expect(limits.maxMessageBytes('main', 'orders')).toBe(10000)
    expect(brokers.asked).toEqual(['main/orders/max.message.bytes'])
    limits.forget('main', 'orders')
    expect(await limits.maxMessageBytes('main', 'orders')).toBe(20000)
  })

  it("assumes Kafka's default while the limit cannot be read, and asks again soon", async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const brokers = source([new Error('not allowed'), '5000'])
    const limits = new TopicLimits(brokers, logger)
    expect(await limits.maxMessageBytes('main', 'orders')).toBe(DEFAULT_MAX_MESSAGE_BYTES)
    vi.advanceTimersByTime(1000)
    expect(await limits.maxMessageBytes('main', 'orders')).toBe(DEFAULT_MAX_MESSAGE_BYTES)
    vi.advanceTimersByTime(5000)
    expect(await limits.maxMessageBytes('main', 'orders')).toBe(5000)
  })

  it('leaves room for the batch header, and for codecs that cannot compress', () => {
    expect(batchBudget(1_048_588, 'none')).toBe(1_048_588 - 61)
    expect(batchBudget(1_048_588, 'zstd')).toBeLessThan(1_048_588 - 61 - 10_000)
  })
})
