// The `weir-encryption` record header: what a reader needs to decrypt a record, in a compact
// versioned binary form (a record carries it; JSON would double its size). The wrapped data key
// dominates (61 bytes from the keyring, ~180 from AWS KMS); the rest is a few names.
//
//   u8 version (1) | u8 algorithm (1 = AES-256-GCM)
//   u8 length + kms name | u16 length + KEK id | u16 length + wrapped data key
//   u8 count, then count × (u16 length + target)      all strings UTF-8, lengths big-endian
//
// Targets say what is encrypted: JSON pointers into the value, "" for the whole value (RFC 6901:
// the empty pointer is the whole document). Each encrypted value carries its own IV and tag.
import { GatewayError } from '../../core/errors.ts'

export const ENCRYPTION_HEADER = 'weir-encryption'

const VERSION = 1
const ALGORITHMS = { 1: 'AES-256-GCM' } as const

export type Algorithm = (typeof ALGORITHMS)[keyof typeof ALGORITHMS]

export interface EncryptionHeader {
  /** The `kms:` entry (by name) holding the KEK. */
  readonly kms: string
  readonly kekId: string
  readonly wrappedDek: Buffer
  readonly algorithm: Algorithm
  /** What is encrypted: JSON pointers into the value; "" is the whole value. */
  readonly targets: readonly string[]
}

/** A header that cannot be read: a record altered on the way, or written by a newer Weir. */
export class MalformedHeaderError extends GatewayError {
  constructor(detail: string) {
    super('invalid-record', `${ENCRYPTION_HEADER} header: ${detail}`)
    this.name = 'MalformedHeaderError'
  }
}

export function encodeHeader(header: EncryptionHeader): Buffer {
  const parts: Buffer[] = [Buffer.of(VERSION, 1)]
  parts.push(sized(Buffer.from(header.kms, 'utf8'), 1, 'kms name'))
  parts.push(sized(Buffer.from(header.kekId, 'utf8'), 2, 'KEK id'))
  parts.push(sized(header.wrappedDek, 2, 'wrapped data key'))
  if (header.targets.length > 0xff) throw new RangeError('more than 255 encrypted targets')
  parts.push(Buffer.of(header.targets.length))
  for (const target of header.targets) parts.push(sized(Buffer.from(target, 'utf8'), 2, 'target'))
  return Buffer.concat(parts)
}

export function decodeHeader(bytes: Buffer): EncryptionHeader {
  let at = 0
  const take = (n: number): Buffer => {
    if (at + n > bytes.length) throw new MalformedHeaderError('cut short')
    const out = bytes.subarray(at, at + n)
    at += n
    return out
  }
  const uint = (width: 1 | 2): number => take(width).readUIntBE(0, width)
  const field = (width: 1 | 2): Buffer => take(uint(width))
  const version = uint(1)
  if (version !== VERSION) throw new MalformedHeaderError(`unknown version ${version}`)
  const algorithmId = uint(1)
  const algorithm = ALGORITHMS[algorithmId as keyof typeof ALGORITHMS] as Algorithm | undefined
  if (algorithm === undefined) throw new MalformedHeaderError(`unknown algorithm ${algorithmId}`)
  const kms = field(1).toString('utf8')
  const kekId = field(2).toString('utf8')
  // A copy: the header outlives the record buffer it was read from (the data-key cache keeps it).
  const wrappedDek = Buffer.from(field(2))
  const count = uint(1)
  const targets: string[] = []
  for (let i = 0; i < count; i++) targets.push(field(2).toString('utf8'))
  if (at !== bytes.length) throw new MalformedHeaderError('trailing bytes')
  return { kms, kekId, wrappedDek, algorithm, targets }
}

function sized(bytes: Buffer, width: 1 | 2, what: string): Buffer {
  const max = width === 1 ? 0xff : 0xffff
  if (bytes.length > max) throw new RangeError(`${what} longer than ${max} bytes`)
  const length = Buffer.alloc(width)
  length.writeUIntBE(bytes.length, 0, width)
  return Buffer.concat([length, bytes])
}
