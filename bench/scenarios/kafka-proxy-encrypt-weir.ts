// Weir as kafka-proxy-encrypt meets it: kafka-proxy's listener with a local keyring KMS and two
// encrypt policies, one sealing whole values and one sealing a JSON field, each on its own topics;
// and the check that they did their work (the broker holds ciphertext, Weir hands out clear text).
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs'
import { benchKafka } from '../kafka.ts'
import type { BenchContext } from '../scenario.ts'
import { startWeir } from './kafka-proxy.ts'

export const encryptName = 'kafka-proxy-encrypt'

/**
 * Who sends or reads in a run: straight to the broker, or through Weir to a topic no encrypt
 * policy covers, one whose values are sealed whole, or one whose JSON field `/id` is sealed.
 */
export type Path = 'direct' | 'weir' | 'weir-value' | 'weir-field'

export const paths: readonly Path[] = ['direct', 'weir', 'weir-value', 'weir-field']

export const label = (p: Path): string =>
  ({
    direct: 'direct',
    weir: 'Weir, encryption off',
    'weir-value': 'Weir, whole value sealed',
    'weir-field': 'Weir, one field sealed',
  })[p]

/** The sealed JSON field: a short string in every payload (see payloadFile). */
export const sealedField = '/id'

/** The prefix of a path's backend topics (freshTopic names them bench-<prefix>-...). */
export const topicPrefix = (p: Path): string => `${encryptName}-${p}`

/**
 * A keyring file with one fresh KEK, and the virtual cluster's encrypt policies: every topic of
 * the weir-value path sealed whole, every topic of the weir-field path with `/id` sealed.
 */
function encryptExtras(dir: string) {
  const keyring = path.join(dir, 'keyring.yaml')
  writeFileSync(keyring, `keys:\n  bench: ${randomBytes(32).toString('base64')}\n`)
  const policy = (name: string, p: Path, scope: string): string => `  - name: ${name}
    kind: encrypt
    topics: ['bench-${topicPrefix(p)}-*']
    kms: local
    kekId: bench
    ${scope}
`
  return {
    virtualCluster: '    policies: [sealed-value, sealed-field]\n',
    topLevel:
      `kms:\n  - { name: local, kind: keyring, file: '${keyring}' }\npolicies:\n` +
      policy('sealed-value', 'weir-value', 'value: true') +
      policy('sealed-field', 'weir-field', `fields: { pointers: ['${sealedField}'] }`),
  }
}

/** kafka-proxy's Weir with the encrypt policies; no authentication, no ACL: all may decrypt. */
export function startEncryptWeir(ctx: BenchContext, kafka: Kafka, dir: string) {
  return startWeir(ctx, kafka, dir, encryptExtras(dir))
}

/** The first record of each topic, read from the earliest offset by a new group. */
async function firstRecords(
  kafka: Kafka,
  topics: readonly string[]
): Promise<Map<string, KafkaMessage>> {
  const consumer = kafka.consumer({
    groupId: `weir-bench-${encryptName}-check-${randomBytes(3).toString('hex')}`,
  })
  const found = new Map<string, KafkaMessage>()
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no record of ${topics.join(', ')} within 60 s`)),
        60_000
      )
      consumer
        .run({
          eachMessage: async ({ topic, message }) => {
            if (!found.has(topic)) found.set(topic, message)
            if (found.size === topics.length) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer)
          reject(err instanceof Error ? err : new Error(String(err)))
        })
    })
  } finally {
    await consumer.disconnect()
  }
  return found
}

/** The payload's `id` field, or undefined when the value is no JSON object. */
function idOf(message: KafkaMessage | undefined): unknown {
  try {
    return (JSON.parse(message?.value?.toString('utf8') ?? '') as { id?: unknown }).id
  } catch {
    return undefined
  }
}

const encryptionHeader = 'weir-encryption'

/**
 * What a consumer meets on each side, one record per sealed topic: straight from the broker,
 * the `weir-encryption` header and ciphertext (the whole value, or `/id` as `weir-enc:v1:...`);
 * through Weir, the clear JSON and no header. Anything else is a problem for the report.
 */
export async function checkSealing(
  ctx: BenchContext,
  weirBootstrap: string,
  topics: { value: string; field: string }
): Promise<void> {
  const clear = /^r-\d+$/
  const direct = await firstRecords(benchKafka(ctx, `weir-bench-${encryptName}-check`), [
    topics.value,
    topics.field,
  ])
  const weir = await firstRecords(
    new Kafka({
      clientId: `weir-bench-${encryptName}-check`,
      brokers: [weirBootstrap],
      logLevel: logLevel.ERROR,
    }),
    [topics.value, topics.field]
  )
  const failures: string[] = []
  for (const [topic, scope] of [
    [topics.value, 'whole value'],
    [topics.field, sealedField],
  ] as const) {
    const stored = direct.get(topic)
    const read = weir.get(topic)
    if (stored?.headers?.[encryptionHeader] === undefined) {
      failures.push(`${scope}: the broker's record has no ${encryptionHeader} header`)
    }
    const storedId = idOf(stored)
    const sealed =
      scope === 'whole value'
        ? storedId === undefined
        : typeof storedId === 'string' && storedId.startsWith('weir-enc:v1:')
    if (!sealed) failures.push(`${scope}: the broker holds it in clear (id ${String(storedId)})`)
    if (read?.headers?.[encryptionHeader] !== undefined) {
      failures.push(`${scope}: read through Weir, the record still has its ${encryptionHeader}`)
    }
    const readId = idOf(read)
    if (typeof readId !== 'string' || !clear.test(readId)) {
      failures.push(`${scope}: read through Weir, not clear (id ${String(readId)})`)
    }
  }
  if (failures.length > 0) {
    for (const f of failures) ctx.problem(`sealing check: ${f}`)
  } else {
    ctx.note(
      `Checked after the produce phase, one record of each sealed topic: read straight from the ` +
        `broker it has the ${encryptionHeader} header and ciphertext (the whole value; ` +
        `\`${sealedField}\` as \`weir-enc:v1:...\`), read through Weir (kafkajs, no ` +
        `authentication, no ACL: every principal may decrypt) it is the clear JSON without the header.`
    )
  }
}
