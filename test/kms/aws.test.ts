// How the aws provider types what AWS KMS answers. A small HTTP server answers as KMS does (its
// JSON protocol: `__type` names the error), so the real SDK parses real responses; the key-state
// errors are here because moto, the integration tests' KMS, does not answer them.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AwsKms } from '../../src/kms/index.ts'

let server: Server
let kms: AwsKms
/** The KMS error the server answers next, and its status. */
let answer: { type: string; status: number }
let requests = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++
    req.resume()
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify({ __type: answer.type, message: `${answer.type} from the test` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  kms = new AwsKms({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 5_000,
    maxAttempts: 2,
  })
})
afterAll(async () => {
  kms.close()
  await new Promise((resolve) => server.close(resolve))
})

describe('the aws provider types KMS errors', () => {
  it.each([
    ['DisabledException', 400, 'key-not-found'],
    ['KMSInvalidStateException', 400, 'key-not-found'],
    ['NotFoundException', 400, 'key-not-found'],
    ['IncorrectKeyException', 400, 'key-not-found'],
    ['AccessDeniedException', 400, 'access-denied'],
    ['UnrecognizedClientException', 400, 'access-denied'],
    ['KeyUnavailableException', 500, 'unavailable'],
    ['KMSInternalException', 500, 'unavailable'],
    ['ThrottlingException', 400, 'unavailable'],
  ])('%s (HTTP %d) is %s', async (type, status, failure) => {
    answer = { type, status }
    const wrapped = Buffer.alloc(64)
    for (const call of [() => kms.generateDataKey('k'), () => kms.unwrapDataKey('k', wrapped)]) {
      await expect(call()).rejects.toMatchObject({
        failure,
        retriable: failure === 'unavailable',
        message: expect.stringContaining(type),
      })
    }
  })

  it('retries what KMS says is transient, up to maxAttempts', async () => {
    answer = { type: 'KMSInternalException', status: 500 }
    requests = 0
    await expect(kms.generateDataKey('k')).rejects.toMatchObject({ failure: 'unavailable' })
    expect(requests).toBe(2)
    requests = 0
    answer = { type: 'DisabledException', status: 400 }
    await expect(kms.generateDataKey('k')).rejects.toMatchObject({ failure: 'key-not-found' })
    expect(requests).toBe(1)
  })
})
