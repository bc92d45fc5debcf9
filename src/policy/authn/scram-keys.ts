// SCRAM's key derivation (RFC 5802 §3) for SHA-256 (RFC 7677) and SHA-512, as Kafka uses them:
// the password is taken as its UTF-8 bytes without SASLprep, exactly as Kafka's ScramFormatter
// does, so credentials derived here and by `kafka-configs --add-config SCRAM-...` agree.
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto'

/** The mechanism as the config and ClientSasl write it. */
export type ScramMechanism = 'scram-sha-256' | 'scram-sha-512'

export interface ScramHash {
  /** The name SaslHandshake uses. */
  name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  /** node:crypto's digest name. */
  digest: 'sha256' | 'sha512'
  bytes: number
}

export const scramHashes: Readonly<Record<ScramMechanism, ScramHash>> = {
  'scram-sha-256': { name: 'SCRAM-SHA-256', digest: 'sha256', bytes: 32 },
  'scram-sha-512': { name: 'SCRAM-SHA-512', digest: 'sha512', bytes: 64 },
}

/** Kafka's clients refuse a server-first message with fewer iterations (ScramMechanism). */
export const MIN_ITERATIONS = 4096
/** What `weir hash-secret --scram-*` uses unless told otherwise. */
export const DEFAULT_ITERATIONS = 4096

export function hmac(hash: ScramHash, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(hash.digest, key).update(data).digest()
}

export function h(hash: ScramHash, data: Buffer): Buffer {
  return createHash(hash.digest).update(data).digest()
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length)
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

/** Hi() of RFC 5802: PBKDF2 with the mechanism's HMAC, one hash length of output. */
export function saltedPassword(
  hash: ScramHash,
  password: string,
  salt: Buffer,
  iterations: number
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, hash.bytes, hash.digest, (err, key) =>
      err ? reject(err) : resolve(key)
    )
  })
}

export interface ScramKeys {
  clientKey: Buffer
  storedKey: Buffer
  serverKey: Buffer
}

export function keysFromSaltedPassword(hash: ScramHash, salted: Buffer): ScramKeys {
  const clientKey = hmac(hash, salted, 'Client Key')
  return {
    clientKey,
    storedKey: h(hash, clientKey),
    serverKey: hmac(hash, salted, 'Server Key'),
  }
}

/** A SCRAM user entry's secrets, base64, as the `scram` authentication method stores them. */
export interface ScramSecrets {
  mechanism: ScramMechanism
  salt: string
  iterations: number
  storedKey: string
  serverKey: string
}

/**
 * Derives what the server stores for a password: a random salt (unless given) and the StoredKey
 * and ServerKey. The password itself cannot be recovered from them.
 */
export async function scramSecrets(
  mechanism: ScramMechanism,
  password: string,
  {
    iterations = DEFAULT_ITERATIONS,
    salt = randomBytes(24),
  }: { iterations?: number; salt?: Buffer } = {}
): Promise<ScramSecrets> {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS) {
    throw new Error(`SCRAM iterations must be an integer of at least ${MIN_ITERATIONS}`)
  }
  const hash = scramHashes[mechanism]
  const keys = keysFromSaltedPassword(hash, await saltedPassword(hash, password, salt, iterations))
  return {
    mechanism,
    salt: salt.toString('base64'),
    iterations,
    storedKey: keys.storedKey.toString('base64'),
    serverKey: keys.serverKey.toString('base64'),
  }
}

/**
 * The client's half of RFC 5802 §3, for Weir's own logins to backend clusters: the ClientProof
 * for an AuthMessage, and the ServerSignature a server that holds the credential answers with.
 */
export async function clientProof(
  mechanism: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
  authMessage: string
): Promise<{ proof: Buffer; serverSignature: Buffer }> {
  const hash = scramHashes[mechanism]
  const keys = keysFromSaltedPassword(hash, await saltedPassword(hash, password, salt, iterations))
  return {
    proof: xor(keys.clientKey, hmac(hash, keys.storedKey, authMessage)),
    serverSignature: hmac(hash, keys.serverKey, authMessage),
  }
}
