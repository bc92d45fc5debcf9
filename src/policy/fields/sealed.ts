// How an encrypted field keeps its type. A bytes field holds the ciphertext itself. A string field
// holds `weir-enc:v1:` then the ciphertext in base64url: still a string for every reader, and one a
// reader can tell from clear text (base64url has no ':'), with a version for a future format.
// The field's path is bound as AAD, so a ciphertext moved to another field does not open.
import { GatewayError } from '../../core/errors.ts'
import type { FieldEdit } from './types.ts'

export const SEALED_PREFIX = 'weir-enc:v1:'

export type Seal = (plaintext: Buffer, aad: Buffer) => Buffer
export type Open = (ciphertext: Buffer, aad: Buffer) => Buffer

/** The AAD for a field: its path, after a caller's context (e.g. the topic) if given. */
export type FieldAad = (path: string) => Buffer

const byPath: FieldAad = (path) => Buffer.from(path, 'utf8')

export function isSealedString(value: string): boolean {
  return value.startsWith(SEALED_PREFIX)
}

/** A FieldEdit that encrypts each field, keeping its type. */
export function sealFields(seal: Seal, aad: FieldAad = byPath): FieldEdit {
  return ({ path, value }) => {
    if (Buffer.isBuffer(value)) return seal(value, aad(path))
    return SEALED_PREFIX + seal(Buffer.from(value, 'utf8'), aad(path)).toString('base64url')
  }
}

/**
 * A FieldEdit that decrypts each field. A string without the prefix is clear text (written
 * before the policy applied) and stays as it is; bytes are always opened, since bytes carry no
 * mark: `open` throws for anything it did not seal.
 */
export function openFields(open: Open, aad: FieldAad = byPath): FieldEdit {
  return ({ path, value }) => {
    if (Buffer.isBuffer(value)) return open(value, aad(path))
    if (!isSealedString(value)) return value
    const text = value.slice(SEALED_PREFIX.length)
    if (!/^[A-Za-z0-9_-]*$/.test(text)) {
      throw new GatewayError(
        'invalid-record',
        `field ${path} is marked encrypted but is not base64url`
      )
    }
    return open(Buffer.from(text, 'base64url'), aad(path)).toString('utf8')
  }
}
