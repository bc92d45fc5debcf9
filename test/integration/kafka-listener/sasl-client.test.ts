// Weir's SASL client against the real broker's SASL_PLAINTEXT listener: SaslHandshake v1 and
// SaslAuthenticate frames from the codec, driven by authenticateUpstream. Passing here means our
// SCRAM matches Kafka's own (credentials the broker derived, its nonces and signatures).
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { kafkaSaslUsers } from '../../../scripts/local-stack/kafka.ts'
import {
  authenticateUpstream,
  upstreamMechanism,
  type UpstreamSaslConfig,
} from '../../../src/kafka-listener/sasl/index.ts'
import {
  apis,
  decodeResponse,
  encodeRequest,
  FrameSplitter,
  type ApiDefinition,
} from '../../../src/protocol/index.ts'
import { stack } from '../../support/kafka.ts'

/** One connection to the broker, one request at a time. */
class BrokerConnection {
  readonly #socket: Socket
  readonly #splitter = new FrameSplitter()
  readonly #frames: Buffer[] = []
  readonly #waiting: ((frame: Buffer | undefined) => void)[] = []
  #closed = false
  #correlationId = 0

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#splitter.push(chunk)) {
        const waiter = this.#waiting.shift()
        if (waiter === undefined) this.#frames.push(frame)
        else waiter(frame)
      }
    })
    socket.on('close', () => {
      this.#closed = true
      for (const waiter of this.#waiting.splice(0)) waiter(undefined)
    })
    socket.on('error', () => undefined)
  }

  static open(hostPort: string): Promise<BrokerConnection> {
    const [host, port] = hostPort.split(':') as [string, string]
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port) })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new BrokerConnection(socket))
      })
    })
  }

  get closed(): boolean {
    return this.#closed
  }

  async request<Req, Res>(api: ApiDefinition<Req, Res>, version: number, body: Req): Promise<Res> {
    const correlationId = ++this.#correlationId
    this.#socket.write(
      encodeRequest(
        api,
        {
          requestApiKey: api.key,
          requestApiVersion: version,
          correlationId,
          clientId: 'weir-sasl',
        },
        body
      )
    )
    const frame =
      this.#frames.shift() ??
      (this.#closed
        ? undefined
        : await new Promise<Buffer | undefined>((resolve) => this.#waiting.push(resolve)))
    if (frame === undefined) throw new Error('the broker closed the connection')
    const response = decodeResponse(api, version, frame)
    expect(response.header.correlationId).toBe(correlationId)
    return response.body
  }

  /** Closes the socket and resolves once it is closed. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve())
      this.#socket.destroy()
    })
  }
}

class BrokerSaslError extends Error {
  readonly errorCode: number
  constructor(errorCode: number, message: string) {
    super(message)
    this.errorCode = errorCode
  }
}

const SASL_AUTHENTICATION_FAILED = 58
const open: BrokerConnection[] = []

afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.close()))
})

/** Handshake and authenticate as `config`; the connection, ready for requests, once accepted. */
async function login(config: UpstreamSaslConfig): Promise<BrokerConnection> {
  const connection = await BrokerConnection.open(stack().saslBootstrap)
  open.push(connection)
  const mechanism = upstreamMechanism(config)
  const handshake = await connection.request(apis.saslHandshake, 1, { mechanism })
  expect(handshake.errorCode).toBe(0)
  expect(handshake.mechanisms).toContain(mechanism)
  await authenticateUpstream(async (authBytes) => {
    const response = await connection.request(apis.saslAuthenticate, 2, { authBytes })
    if (response.errorCode !== 0) {
      throw new BrokerSaslError(response.errorCode, response.errorMessage ?? '')
    }
    return response.authBytes
  }, config)
  return connection
}

const mechanisms = ['scram-sha-256', 'scram-sha-512', 'plain'] as const

describe('authenticateUpstream against the broker', () => {
  it.each(mechanisms)('logs in with %s and may then send requests', async (mechanism) => {
    for (const [username, password] of Object.entries(kafkaSaslUsers)) {
      const connection = await login({ mechanism, username, password })
      // Before authenticating, the broker would close the connection on Metadata: now it answers.
      const metadata = await connection.request(apis.metadata, 12, {
        ...apis.metadata.defaultRequest(),
        topics: [],
      })
      expect(metadata.brokers.length).toBeGreaterThan(0)
    }
  })

  it.each(mechanisms)('is refused by the broker with a wrong password (%s)', async (mechanism) => {
    const attempt = login({ mechanism, username: 'alice', password: 'not-alice-secret' })
    const error = await attempt.then(
      () => undefined,
      (err: unknown) => err
    )
    expect(error).toBeInstanceOf(BrokerSaslError)
    expect((error as BrokerSaslError).errorCode).toBe(SASL_AUTHENTICATION_FAILED)
    expect((error as BrokerSaslError).message).toMatch(
      mechanism === 'plain'
        ? /Authentication failed: Invalid username or password/
        : new RegExp(
            `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism.toUpperCase()}`
          )
    )
  })

  it('is refused for an unknown user just like for a wrong password (SCRAM)', async () => {
    const error = await login({
      mechanism: 'scram-sha-512',
      username: 'mallory',
      password: 'alice-secret',
    }).then(
      () => undefined,
      (err: unknown) => err
    )
    expect(error).toMatchObject({ errorCode: SASL_AUTHENTICATION_FAILED })
  })
})
