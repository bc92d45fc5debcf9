// The compression codecs against a real broker and a non-JS client. The broker decompresses and
// validates every compressed batch it appends, with Kafka's own Java codecs, so a produce that
// succeeds proves Java reads our frames; a topic whose compression.type differs from the
// producer's makes the broker recompress with Java's codecs, which proves we read Java's frames.
// kcat (librdkafka) covers the C client both ways.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import kafkajs, { CompressionTypes, type KafkaMessage, type Message } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  compressionType,
  registerCompressionCodecs,
  type CompressionName,
  type KafkaJsCodec,
} from '../../../src/kafka/kafkajs/compression.ts'
import { stack, testKafka, uniqueName } from '../../support/kafka.ts'

type Codec = Exclude<CompressionName, 'none'>

beforeAll(() => {
  registerCompressionCodecs()
})

/** A topic of the test's own, with the given topic-level configuration. */
async function createTopic(config: Record<string, string> = {}): Promise<string> {
  const topic = uniqueName('compression')
  const admin = testKafka('weir-test-admin').admin()
  await admin.connect()
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }))
    await admin.createTopics({ topics: [{ topic, configEntries }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
  return topic
}

/** `count` records whose values are half random (hex), so they compress, but not to nothing. */
function records(tag: string, count: number, valueBytes: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${tag}-${i}`,
    value: `${tag}-${i}-${randomBytes(valueBytes / 2).toString('hex')}`,
    headers: { tag, index: String(i) },
  }))
}

/** A small batch and one of ~300 KB, past LZ4's 256 KiB block size and many xerial chunks. */
function batches(tag: string): Message[][] {
  return [records(`${tag}-small`, 3, 20), records(`${tag}-large`, 300, 1000)]
}

async function produce(topic: string, compression: CompressionTypes, messages: Message[][]) {
  const producer = testKafka().producer()
  await producer.connect()
  try {
    // One send per batch: kafkajs writes each as one record batch for the single partition.
    for (const batch of messages) await producer.send({ topic, compression, messages: batch })
  } finally {
    await producer.disconnect()
  }
}

/** Reads `count` records from the start of the topic; fails if they do not all arrive in time. */
async function consume(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('compression') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const messages: KafkaMessage[] = []
  let timer: NodeJS.Timeout | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`consumed ${messages.length} of ${count} records of ${topic}`)),
        30_000
      )
      consumer
        .run({
          eachMessage: async ({ message }) => {
            messages.push(message)
            if (messages.length >= count) resolve()
          },
        })
        .catch(reject)
    })
  } finally {
    clearTimeout(timer)
    await consumer.disconnect()
  }
  return messages
}

interface Seen {
  key: string
  value: string
  headers: Record<string, string>
}

function seen(message: KafkaMessage | Message): Seen {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value)
  return { key: String(message.key), value: String(message.value), headers }
}

/** Runs `body` with the installed codec of `type` wrapped to keep the first bytes of every buffer
 * it decompresses, so a test can tell which writer's format it read. */
async function withDecompressSpy<T>(
  type: CompressionTypes,
  body: (heads: Buffer[]) => Promise<T>
): Promise<T> {
  const codecs = kafkajs.CompressionCodecs as unknown as Record<number, () => KafkaJsCodec>
  const installed = codecs[type]!
  const codec = installed()
  const heads: Buffer[] = []
  codecs[type] = () => ({
    compress: (encoder) => codec.compress(encoder),
    decompress: (buffer) => {
      heads.push(Buffer.from(buffer.subarray(0, 16)))
      return codec.decompress(buffer)
    },
  })
  try {
    return await body(heads)
  } finally {
    codecs[type] = installed
  }
}

const XERIAL_MAGIC = '82534e4150505900'
const ZSTD_MAGIC = '28b52ffd'
// The whole LZ4 frame header of Java's Lz4BlockOutputStream: independent 64 KiB blocks.
const JAVA_LZ4_HEADER = '04224d18604082'

const codecs: Codec[] = ['gzip', 'snappy', 'lz4', 'zstd']

describe('compressed batches on a real broker', () => {
  it.each(codecs)('produces with %s, and reads the records back', async (codec) => {
    const topic = await createTopic()
    const sent = batches(codec)
    // The broker decompresses each batch to validate it: a failed produce rejects here.
    await produce(topic, compressionType(codec), sent)
    const type = compressionType(codec)
    const received = await withDecompressSpy(type, async (heads) => {
      const messages = await consume(topic, 303)
      // Each batch reached the consumer compressed, as we wrote it.
      expect(heads.length).toBeGreaterThanOrEqual(2)
      return messages
    })
    expect(received.map(seen)).toEqual(sent.flat().map(seen))
  })

  it.each(['snappy', 'lz4', 'zstd'] as const)(
    'writes %s whose every byte Java decodes (the broker recompresses it to gzip)',
    async (codec) => {
      // Validation alone skips over keys and values; recompressing reads them all.
      const topic = await createTopic({ 'compression.type': 'gzip' })
      const sent = batches(`to-java-${codec}`)
      await produce(topic, compressionType(codec), sent)
      const received = await withDecompressSpy(CompressionTypes.GZIP, async (heads) => {
        const messages = await consume(topic, 303)
        expect(heads.length).toBeGreaterThanOrEqual(2)
        return messages
      })
      expect(received.map(seen)).toEqual(sent.flat().map(seen))
    }
  )

  it.each(['snappy', 'lz4', 'zstd'] as const)(
    "reads batches the broker recompressed with Java's %s codec",
    async (codec) => {
      const topic = await createTopic({ 'compression.type': codec })
      const sent = batches(`java-${codec}`)
      await produce(topic, CompressionTypes.None, sent)
      const type = compressionType(codec)
      const received = await withDecompressSpy(type, async (heads) => {
        const messages = await consume(topic, 303)
        const expected = { snappy: XERIAL_MAGIC, lz4: JAVA_LZ4_HEADER, zstd: ZSTD_MAGIC }[codec]
        expect(heads.length).toBeGreaterThanOrEqual(2)
        for (const head of heads) expect(head.toString('hex')).toMatch(new RegExp(`^${expected}`))
        return messages
      })
      expect(received.map(seen)).toEqual(sent.flat().map(seen))
    }
  )
})

/** Runs kcat; fails (never skips) if it is missing, as CI installs it (apt-get install kcat). */
function kcat(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      ['-b', stack().bootstrap, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout)
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
        const hint = missing ? 'kcat is not installed: apt-get install kcat\n' : ''
        reject(new Error(`${hint}kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      }
    )
    child.stdin?.end(input)
  })
}

describe('compressed batches between kafkajs and librdkafka (kcat)', () => {
  beforeAll(async () => {
    expect(await kcat(['-V'])).toMatch(/librdkafka/)
  })

  it.each(codecs)('reads what librdkafka writes with %s', async (codec) => {
    const topic = await createTopic()
    const sent = records(`rdkafka-${codec}`, 300, 1000)
    const lines = sent.map((message) => `${String(message.key)}\t${String(message.value)}\n`)
    // Delivery failures make kcat exit non-zero; linger gathers the lines into few batches.
    await kcat(
      ['-P', '-t', topic, '-z', codec, '-K', '\t', '-X', 'linger.ms=200', '-H', 'origin=kcat'],
      lines.join('')
    )
    const received = await withDecompressSpy(compressionType(codec), async (heads) => {
      const messages = await consume(topic, sent.length)
      expect(heads.length).toBeGreaterThanOrEqual(1)
      // librdkafka writes raw snappy blocks, not snappy-java's framing: both reader paths run.
      if (codec === 'snappy') expect(heads[0]!.toString('hex')).not.toMatch(/^82534e41/)
      return messages
    })
    expect(received.map(seen)).toEqual(
      sent.map((message) => ({ ...seen(message), headers: { origin: 'kcat' } }))
    )
  })

  it.each(codecs)('writes %s that librdkafka reads', async (codec) => {
    const topic = await createTopic()
    const sent = batches(`to-rdkafka-${codec}`)
    await produce(topic, compressionType(codec), sent)
    const output = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%s\n'])
    const expected = sent
      .flat()
      .map((message) => `${String(message.key)}\t${String(message.value)}`)
    expect(output.trimEnd().split('\n')).toEqual(expected)
  })
})
