// The aws KMS provider against a real KMS-compatible server (moto's server mode, started here):
// data keys generated and unwrapped through the AWS SDK, a deleted or unknown key typed
// as gone, and a KMS that cannot be reached typed as retriable within the request timeout.
import { createServer, type Server, type Socket } from 'node:net'
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AwsKms,
  createKeyManagement,
  KmsError,
  type KeyManagement,
} from '../../../src/kms/index.ts'
import {
  DataKeyCache,
  Envelope,
  EnvelopeReader,
  valueContext,
} from '../../../src/policy/encrypt/index.ts'
import { startMoto, type Moto } from '../../support/moto.ts'

const region = 'eu-west-1'
const credentials = { accessKeyId: 'weir-test', secretAccessKey: 'weir-test-secret' }
let moto: Moto
let admin: KMSClient
let kms: KeyManagement

async function createKey(): Promise<string> {
  const out = await admin.send(new CreateKeyCommand({ Description: 'weir test KEK' }))
  return out.KeyMetadata!.KeyId!
}

beforeAll(async () => {
  moto = await startMoto()
  admin = new KMSClient({ region, endpoint: moto.endpoint, credentials })
  kms = createKeyManagement({
    name: 'aws',
    kind: 'aws',
    region,
    endpoint: moto.endpoint,
    credentials,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
  })
}, 300_000) // the first run installs moto from PyPI

afterAll(async () => {
  admin?.destroy()
  await moto?.stop()
})

describe('the aws KMS provider against moto', () => {
  it('generates AES-256 data keys that Decrypt unwraps', async () => {
    const kekId = await createKey()
    const dek = await kms.generateDataKey(kekId)
    expect(dek.plaintext).toHaveLength(32)
    expect(dek.wrapped.includes(dek.plaintext)).toBe(false)
    expect((await kms.unwrapDataKey(kekId, dek.wrapped)).equals(dek.plaintext)).toBe(true)
  })

  it('encrypts and decrypts a record value through an envelope under an AWS KEK', async () => {
    const kekId = await createKey()
    const sealer = await new Envelope({ kms, kmsName: 'aws', kekId }).prepareWrite()
    const context = valueContext('payments', '/card')
    const sealed = sealer.seal(Buffer.from('4111 1111 1111 1111'), context)
    // A reader with an empty cache: the data key comes from KMS Decrypt.
    const reader = new EnvelopeReader({ kms: () => kms, cache: new DataKeyCache() })
    const opener = await reader.prepareRead(sealer.header(['/card']))
    expect(opener.open(sealed, context).toString()).toBe('4111 1111 1111 1111')
  })

  // moto 5.2.6 keeps a disabled or pending-deletion key usable for GenerateDataKey and Decrypt
  // (it checks no key state there), so a KEK gone from the KMS is made by resetting moto's
  // state; the key-state errors AWS answers are mapped in test/kms/aws.test.ts.
  it('a KEK gone from the KMS leaves its data keys unreadable (crypto-shredding)', async () => {
    const kekId = await createKey()
    const dek = await kms.generateDataKey(kekId)
    const reset = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' })
    expect(reset.status).toBe(200)
    const failure = kms.unwrapDataKey(kekId, dek.wrapped)
    await expect(failure).rejects.toBeInstanceOf(KmsError)
    await expect(failure).rejects.toMatchObject({
      failure: 'key-not-found',
      code: 'kms-key-unavailable',
      retriable: false,
      message: expect.stringContaining('NotFoundException'),
    })
  })

  it('an unknown KEK is typed as key-not-found', async () => {
    await expect(kms.generateDataKey('11111111-2222-3333-4444-555555555555')).rejects.toMatchObject(
      {
        failure: 'key-not-found',
        message: expect.stringContaining('NotFoundException'),
      }
    )
  })

  it('a data key of one KEK does not unwrap under another', async () => {
    const [a, b] = [await createKey(), await createKey()]
    const dek = await kms.generateDataKey(a)
    // The encryption context names the KEK: KMS refuses the key under the other id.
    await expect(kms.unwrapDataKey(b, dek.wrapped)).rejects.toMatchObject({
      failure: 'key-not-found',
      message: expect.stringContaining('InvalidCiphertextException'),
    })
  })
})

describe('the aws KMS provider when the KMS cannot be reached', () => {
  let silent: Server
  const sockets = new Set<Socket>()

  beforeAll(async () => {
    // Accepts connections and never answers: a KMS that hangs.
    silent = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })

  const provider = (endpoint: string) =>
    new AwsKms({ region, endpoint, credentials, requestTimeoutMs: 1_000, maxAttempts: 3 })

  it('a KMS that does not answer fails with a retriable error once the timeout is spent', async () => {
    const { port } = silent.address() as { port: number }
    const hung = provider(`http://127.0.0.1:${port}`)
    const failure = hung.generateDataKey('any')
    await expect(failure).rejects.toMatchObject({
      failure: 'unavailable',
      code: 'kms-unavailable',
      retriable: true,
    })
    // The whole call (its retries included) ended by the abort signal of requestTimeoutMs.
    await expect(failure).rejects.toMatchObject({
      cause: { name: 'AbortError', cause: { name: 'TimeoutError' } },
    })
    hung.close()
  }, 10_000)

  it('a refused connection fails with a retriable error', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as { port: number }
    await new Promise((resolve) => closed.close(resolve))
    const refused = provider(`http://127.0.0.1:${port}`)
    await expect(refused.unwrapDataKey('any', Buffer.alloc(64))).rejects.toMatchObject({
      failure: 'unavailable',
      code: 'kms-unavailable',
    })
    refused.close()
  }, 10_000)
})
