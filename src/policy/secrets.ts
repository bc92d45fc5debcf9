// Hashing for the secrets Weir's config stores: API keys as SHA-256 (keys are long and random, so a
// fast hash is enough) and passwords as scrypt (people choose weak ones, so guessing must be slow).
// `weir hash-secret` prints these; the authenticators verify against them.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/** SHA-256 of an API key, lowercase hex: the `sha256` value of an api-key entry. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export interface ScryptParams {
  N: number
  r: number
  p: number
}

/** OWASP's floor for scrypt: ~16 MiB and tens of milliseconds per guess. */
export const defaultScryptParams: ScryptParams = { N: 16384, r: 8, p: 1 }

const SALT_BYTES = 16
const KEY_BYTES = 32

export interface ParsedPasswordHash {
  params: ScryptParams
  salt: Buffer
  hash: Buffer
}

/** Parses `scrypt$N$r$p$saltB64$hashB64`; throws with a reason when it is not one. */
export function parsePasswordHash(text: string): ParsedPasswordHash {
  const parts = text.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new Error('not a scrypt hash (expected scrypt$N$r$p$salt$hash)')
  }
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  // scrypt itself rejects these, but only when first used; say so when the config loads.
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) {
    throw new Error(`scrypt N must be a power of two above 1, got ${parts[1]}`)
  }
  if (!Number.isSafeInteger(r) || r < 1) throw new Error(`scrypt r must be positive`)
  if (!Number.isSafeInteger(p) || p < 1) throw new Error(`scrypt p must be positive`)
  const salt = Buffer.from(parts[4] ?? '', 'base64')
  const hash = Buffer.from(parts[5] ?? '', 'base64')
  if (salt.length === 0 || hash.length < 16) throw new Error('scrypt salt or hash is too short')
  return { params: { N, r, p }, salt, hash }
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  params: ScryptParams
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) would reject stronger settings.
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  }
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/** A new `scrypt$N$r$p$salt$hash` for a password, with a random 16-byte salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = defaultScryptParams
): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await scryptAsync(password, salt, KEY_BYTES, params)
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

/** Whether a password matches a stored hash (string or parsed); constant-time on the result. */
export async function verifyPassword(
  password: string,
  stored: string | ParsedPasswordHash
): Promise<boolean> {
  const parsed = typeof stored === 'string' ? parsePasswordHash(stored) : stored
  const derived = await scryptAsync(password, parsed.salt, parsed.hash.length, parsed.params)
  return timingSafeEqual(derived, parsed.hash)
}
