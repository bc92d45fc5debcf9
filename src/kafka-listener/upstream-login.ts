// Weir's own login to a backend broker, on a fresh connection, before any client request goes
// through it: SaslHandshake v1, then SaslAuthenticate rounds driven by the backend cluster's SASL
// client (src/kafka-listener/sasl/upstream.ts). Used when Weir terminates the clients' SASL itself.
import type { Socket } from 'node:net'
import { apis, decodeResponse, encodeRequest, FrameSplitter } from '../protocol/index.ts'
import { authenticateUpstream, upstreamMechanism, type UpstreamSaslConfig } from './sasl/index.ts'

const HANDSHAKE_VERSION = 1
const AUTHENTICATE_VERSION = 2

export async function loginUpstream(
  socket: Socket,
  config: UpstreamSaslConfig,
  timeoutMs: number
): Promise<void> {
  const frames = new FrameSplitter()
  const waiting: ((payload: Buffer) => void)[] = []
  const onData = (chunk: Buffer) => {
    for (const payload of frames.push(chunk)) waiting.shift()?.(payload)
  }
  let correlationId = 0
  const exchange = (payload: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the backend did not answer SASL within ${timeoutMs} ms`)),
        timeoutMs
      )
      waiting.push((response) => {
        clearTimeout(timer)
        resolve(response)
      })
      socket.write(payload)
    })
  const header = (api: { key: number }, version: number) => ({
    requestApiKey: api.key,
    requestApiVersion: version,
    correlationId: ++correlationId,
    clientId: 'weir',
  })
  socket.on('data', onData)
  try {
    const mechanism = upstreamMechanism(config)
    const handshake = apis.saslHandshake
    const shook = decodeResponse(
      handshake,
      HANDSHAKE_VERSION,
      await exchange(encodeRequest(handshake, header(handshake, HANDSHAKE_VERSION), { mechanism }))
    ).body
    if (shook.errorCode !== 0) {
      throw new Error(
        `the backend does not take SASL ${mechanism} (error ${shook.errorCode}; it offers ${shook.mechanisms.join(', ')})`
      )
    }
    const authenticate = apis.saslAuthenticate
    await authenticateUpstream(async (authBytes) => {
      const request = encodeRequest(authenticate, header(authenticate, AUTHENTICATE_VERSION), {
        authBytes,
      })
      const { body } = decodeResponse(authenticate, AUTHENTICATE_VERSION, await exchange(request))
      if (body.errorCode !== 0) {
        throw new Error(
          `the backend refused Weir's credentials: ${body.errorMessage ?? body.errorCode}`
        )
      }
      return body.authBytes
    }, config)
  } finally {
    socket.off('data', onData)
  }
}
