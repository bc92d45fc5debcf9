// The one WebSocket server of an http listener: the stream door and the reply push both complete
// their upgrades here, after the request lifecycle admitted the client (a refusal is answered
// before any upgrade). Each door says which subprotocol it speaks; frames are bounded alike.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'

/** Client frames are commands and acks (streams) or nothing but control frames (reply push). */
const MAX_FRAME_BYTES = 64 * 1024

/** Picks the subprotocol to answer from those the client offered, or none (false). */
export type ProtocolChoice = (offered: Set<string>) => string | false

export class ListenerWebSockets {
  readonly #choices = new WeakMap<IncomingMessage, ProtocolChoice>()
  readonly #server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Compression costs a zlib context per connection: hundreds of KB, for JSON that is small.
    perMessageDeflate: false,
    // Each door keeps its own connections (heartbeats, shutdown).
    clientTracking: false,
    handleProtocols: (offered, request) => this.#choices.get(request)?.(offered) ?? false,
  })

  /** Completes an admitted upgrade; `open` gets the WebSocket. */
  upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    protocol: ProtocolChoice,
    open: (ws: WebSocket) => void
  ): void {
    this.#choices.set(request, protocol)
    this.#server.handleUpgrade(request, socket, head, open)
  }
}

/** The first subprotocol offered (ws's own default). */
export const firstOffered: ProtocolChoice = (offered) => {
  for (const name of offered) return name
  return false
}
