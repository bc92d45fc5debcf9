// Weir's own login to a backend cluster with the cluster's configured SASL credentials. The
// caller owns the connection: it sends SaslHandshake v1 naming `upstreamMechanism(config)`, then
// wraps each message `authenticateUpstream` produces in a SaslAuthenticate request and hands back
// the response's authBytes (or throws the broker's error when its errorCode is not 0).
import type { BackendClusterConfig } from '../../config/schema/index.ts'
import { scramHashes } from '../../policy/index.ts'
import { plainMessage } from './plain.ts'
import { ScramClient, type ScramClientOptions } from './scram/client.ts'

export type UpstreamSaslConfig = NonNullable<BackendClusterConfig['sasl']>

/** Sends one client message as SaslAuthenticate authBytes; resolves with the server's authBytes. */
export type SendAuthBytes = (authBytes: Buffer) => Promise<Buffer>

/** The name to put in SaslHandshake. */
export function upstreamMechanism(
  config: UpstreamSaslConfig
): 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' {
  return config.mechanism === 'plain' ? 'PLAIN' : scramHashes[config.mechanism].name
}

/**
 * Runs the client side of the mechanism to its end. Resolves once the broker has accepted us
 * (and, for SCRAM, proved it knows our credential); rejects with what `send` threw, or with a
 * ScramClientError when the broker's messages do not check out.
 */
export async function authenticateUpstream(
  send: SendAuthBytes,
  config: UpstreamSaslConfig,
  options: ScramClientOptions = {}
): Promise<void> {
  if (config.mechanism === 'plain') {
    await send(plainMessage(config.username, config.password))
    return
  }
  const client = new ScramClient(config.mechanism, config.username, config.password, options)
  const serverFirst = await send(client.first())
  const serverFinal = await send(await client.final(serverFirst))
  client.verify(serverFinal)
}
