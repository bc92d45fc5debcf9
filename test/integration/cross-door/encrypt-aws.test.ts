// An encrypt policy under a KEK in AWS KMS (moto's KMS-compatible server, started here): a record
// produced over HTTP is stored sealed, its `weir-encryption` header naming the AWS KMS and key,
// and reads clear through Weir's long-poll (no ACL: everyone may decrypt).
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeHeader } from '../../../src/policy/encrypt/index.ts'
import { startTestGateway, waitReady } from '../../support/gateway.ts'
import { createTopic, testKafka, uniqueName } from '../../support/kafka.ts'
import { startMoto, type Moto } from '../../support/moto.ts'
import { Inbox } from '../../support/stream-clients.ts'

const region = 'eu-west-1'
const credentials = { accessKeyId: 'weir-test', secretAccessKey: 'weir-test-secret' }

describe('an encrypt policy under an AWS KMS key', () => {
  let moto: Moto
  let admin: KMSClient
  let url = ''
  let topic = ''
  let kekId = ''

  beforeAll(async () => {
    moto = await startMoto()
    admin = new KMSClient({ region, endpoint: moto.endpoint, credentials })
    kekId = (await admin.send(new CreateKeyCommand({ Description: 'weir encrypt test' })))
      .KeyMetadata!.KeyId!
    topic = await createTopic('encrypt-aws')
    const started = await startTestGateway(`kms:
  - name: aws
    kind: aws
    region: ${region}
    endpoint: ${moto.endpoint}
    credentials: { accessKeyId: ${credentials.accessKeyId}, secretAccessKey: ${credentials.secretAccessKey} }
virtualClusters:
  - name: shop
    backendCluster: main
    policies: [sealed]
policies:
  - { name: sealed, kind: encrypt, topics: ['${topic}'], kms: aws, kekId: '${kekId}', value: true }
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    streams:
      - { path: '/streams/{topic}', virtualCluster: shop, topics: { from: path, name: topic, allowed: ['*'] }, start: earliest }
`)
    url = started.url
    await waitReady(url)
  }, 300_000) // the first run installs moto from PyPI

  afterAll(async () => {
    admin?.destroy()
    await moto?.stop()
  })

  it('stores the value sealed under the AWS key and reads it clear through Weir', async () => {
    const res = await fetch(`${url}/topics/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card: '4111 1111 1111 1111' }),
    })
    expect(res.status, await res.clone().text()).toBe(202)

    const consumer = testKafka('encrypt-aws-backend').consumer({ groupId: uniqueName('backend') })
    const stored = new Inbox<{ value: Buffer; header: Buffer | undefined }>()
    await consumer.connect()
    try {
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          const header = message.headers?.['weir-encryption'] as Buffer | undefined
          stored.push({ value: message.value as Buffer, header })
        },
      })
      const { value, header } = await stored.next(undefined, 30_000)
      expect(value.toString('latin1')).not.toContain('4111')
      expect(decodeHeader(header as Buffer)).toMatchObject({ kms: 'aws', kekId, targets: [''] })
    } finally {
      await consumer.disconnect()
    }

    const polled = await fetch(`${url}/streams/${topic}?wait=5000`)
    const body = (await polled.json()) as { records: { value: unknown }[] }
    expect(body.records[0]?.value).toEqual({ card: '4111 1111 1111 1111' })
  }, 60_000)
})
