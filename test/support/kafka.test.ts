// Topic creation for tests fails fast and by name when the broker does not answer, rather than
// hold a test hook until its timeout says nothing about why.
import { Kafka, logLevel } from 'kafkajs'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeBroker } from '../kafka-listener/support/fake-broker.ts'
import { within } from './deadline.ts'
import { createTopicOn } from './kafka.ts'

const brokers: FakeBroker[] = []
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

describe('createTopicOn', () => {
  it('names the step a broker that accepts and never answers holds up, within its bound', async () => {
    // A peer that takes the connection and stays quiet: a stalled broker, or a socket that is
    // not the broker's at all.
    const silent = await FakeBroker.start()
    silent.mode = 'silent'
    brokers.push(silent)
    const kafka = new Kafka({ brokers: [`127.0.0.1:${silent.port}`], logLevel: logLevel.NOTHING })
    await expect(
      createTopicOn(kafka, 'quiet', 1, {}, { callMs: 300, leadersMs: 1000 })
    ).rejects.toThrow(/^creating topic quiet-[0-9a-f]{8}: admin connect: no answer within 300 ms$/)
  })
})

describe('within', () => {
  it('passes on what the step gives', async () => {
    await expect(within('a step', 1000, Promise.resolve(7))).resolves.toBe(7)
  })

  it('names the step in its failure', async () => {
    await expect(within('a step', 1000, Promise.reject(new Error('refused')))).rejects.toThrow(
      'a step: refused'
    )
  })
})
