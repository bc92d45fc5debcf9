// The TLS ClientHello as raw bytes, read before a TLS server sees them: which server name (SNI)
// the client asks for, so a listener can refuse a name it does not serve with a real TLS alert
// during the handshake (as HAProxy and Zilla do), where Node's SNICallback could only drop the
// socket. Written by hand: the one maintained npm parser (read-tls-client-hello) reads a single
// TLS record and fails on a ClientHello split over several (RFC 8446 §5.1 allows that), and it
// reads a stream rather than scanning bytes; the others (sni, ...) are long unmaintained.

/** TLS alert descriptions (RFC 8446 §6) a server refusing a ClientHello sends. */
export const TlsAlert = {
  unexpectedMessage: 10,
  recordOverflow: 22,
  handshakeFailure: 40,
  illegalParameter: 47,
  decodeError: 50,
  unrecognizedName: 112,
} as const

/** Largest ClientHello accepted (its handshake message body); real ones are a few KiB. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024

export type ClientHelloScan =
  /** Not all of the ClientHello is there yet. */
  | { kind: 'more' }
  /** The host name the client asked for (lower-cased), undefined when it sent none. */
  | { kind: 'hello'; serverName: string | undefined }
  /** Not TLS (`alert` undefined: just close) or a malformed ClientHello (answer with `alert`). */
  | { kind: 'invalid'; reason: string; alert: number | undefined }

const HANDSHAKE_RECORD = 22
const CLIENT_HELLO = 1
const SERVER_NAME_EXTENSION = 0
const HOST_NAME = 0
/** TLSPlaintext.length may not exceed 2^14 (RFC 8446 §5.1). */
const MAX_RECORD_BYTES = 16_384
/** Bytes of records scanned at most: bounds a hello sent in many tiny records. */
const MAX_SCANNED_BYTES = 2 * MAX_CLIENT_HELLO_BYTES
/** RFC 6066 §3: HostName is at most 255 bytes (a DNS name). */
const MAX_HOST_NAME_BYTES = 255

/** `alert` undefined: not TLS at all, closed without one. */
const invalid = (reason: string, alert: number | undefined): ClientHelloScan => ({
  kind: 'invalid',
  reason,
  alert,
})
const malformed = (reason: string): ClientHelloScan => invalid(reason, TlsAlert.decodeError)

/**
 * Scans the first bytes a client sent on a TLS connection: the handshake records up to the end
 * of the ClientHello (reassembled when split over several records, RFC 8446 §5.1). Call again
 * with more bytes while it answers `more`.
 */
export function scanClientHello(buf: Buffer): ClientHelloScan {
  const fragments: Buffer[] = []
  let received = 0
  let expected: number | undefined
  let offset = 0
  for (;;) {
    const first = offset === 0
    if (buf.length > offset && buf[offset] !== HANDSHAKE_RECORD) {
      return first
        ? invalid(`not TLS (first byte 0x${hex(buf[offset] ?? 0)})`, undefined)
        : invalid(
            `a record of type ${buf[offset]} inside the ClientHello`,
            TlsAlert.unexpectedMessage
          )
    }
    if (buf.length > offset + 1 && buf[offset + 1] !== 3) {
      return invalid(
        `not TLS (record version 0x${hex(buf[offset + 1] ?? 0)}..)`,
        first ? undefined : TlsAlert.decodeError
      )
    }
    if (buf.length < offset + 5) return { kind: 'more' }
    const length = buf.readUInt16BE(offset + 3)
    if (length === 0) return malformed('an empty handshake record')
    if (length > MAX_RECORD_BYTES) {
      return invalid(`a TLS record of ${length} bytes`, TlsAlert.recordOverflow)
    }
    if (offset + 5 + length > MAX_SCANNED_BYTES) {
      return invalid('ClientHello spread over too many records', TlsAlert.illegalParameter)
    }
    if (buf.length < offset + 5 + length) return { kind: 'more' }
    fragments.push(buf.subarray(offset + 5, offset + 5 + length))
    received += length
    offset += 5 + length
    if (received < 4) continue
    if (expected === undefined) {
      // Only the first four bytes (type, length) are needed to know where the message ends.
      const header = Buffer.concat(fragments).subarray(0, 4)
      if (header[0] !== CLIENT_HELLO) {
        return invalid(
          `handshake message ${header[0]} before the ClientHello`,
          TlsAlert.unexpectedMessage
        )
      }
      const bodyLength = header.readUIntBE(1, 3)
      if (bodyLength > MAX_CLIENT_HELLO_BYTES) {
        return invalid(
          `a ClientHello of ${bodyLength} bytes (at most ${MAX_CLIENT_HELLO_BYTES})`,
          TlsAlert.illegalParameter
        )
      }
      expected = 4 + bodyLength
    }
    if (received >= expected) {
      return parseClientHello(Buffer.concat(fragments).subarray(4, expected))
    }
  }
}

/** A fatal alert record, sent in the clear before the version is negotiated. */
export function alertRecord(description: number): Buffer {
  // Version 0x0303: RFC 8446 §5.1 asks TLS 1.3 implementations for it on every record but an
  // initial ClientHello, TLS 1.2 peers accept it before the version is agreed, and OpenSSL
  // servers use it for their own alerts at this stage.
  return Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description])
}

/** The ClientHello body (RFC 8446 §4.1.2; TLS 1.2's, RFC 5246 §7.4.1.2, has the same layout). */
function parseClientHello(body: Buffer): ClientHelloScan {
  const reader = new Reader(body)
  reader.skip(2 + 32) // legacy_version, random
  const sessionId = reader.vector(1)
  const cipherSuites = reader.vector(2)
  const compression = reader.vector(1)
  if (reader.failed || sessionId.length > 32) return malformed('a malformed ClientHello')
  if (cipherSuites.length < 2 || cipherSuites.length % 2 !== 0 || compression.length < 1) {
    return malformed('a malformed ClientHello')
  }
  // TLS 1.2 allows a ClientHello without extensions (and so without a server name).
  if (reader.done) return { kind: 'hello', serverName: undefined }
  const extensions = new Reader(reader.vector(2))
  if (reader.failed || !reader.done) return malformed('a malformed ClientHello (its extensions)')
  const seen = new Set<number>()
  let serverName: string | undefined
  while (!extensions.done) {
    const type = extensions.uint16()
    const data = extensions.vector(2)
    if (extensions.failed) return malformed('a malformed ClientHello extension')
    // RFC 8446 §4.2: one extension of a type at most.
    if (seen.has(type)) return invalid(`extension ${type} twice`, TlsAlert.illegalParameter)
    seen.add(type)
    if (type !== SERVER_NAME_EXTENSION) continue
    const name = hostName(data)
    if (typeof name !== 'string' && name !== undefined) return name
    serverName = name
  }
  return { kind: 'hello', serverName }
}

/** The host_name entry of a server_name extension (RFC 6066 §3), or why it is refused. */
function hostName(data: Buffer): string | undefined | ClientHelloScan {
  const outer = new Reader(data)
  const list = new Reader(outer.vector(2))
  if (outer.failed || !outer.done || list.done)
    return malformed('a malformed server_name extension')
  let name: string | undefined
  while (!list.done) {
    const type = list.uint8()
    const entry = list.vector(2)
    if (list.failed || entry.length === 0) return malformed('a malformed server_name extension')
    if (type !== HOST_NAME) continue
    if (name !== undefined)
      return invalid('two host names in server_name', TlsAlert.illegalParameter)
    // ASCII letters, digits and punctuation only (no NUL, space or 8-bit bytes), as RFC 6066
    // asks; OpenSSL too answers unrecognized_name to a name it cannot take.
    if (entry.length > MAX_HOST_NAME_BYTES || !entry.every((b) => b > 0x20 && b < 0x7f)) {
      return invalid('a server name that is not an ASCII host name', TlsAlert.unrecognizedName)
    }
    name = entry.toString('latin1').toLowerCase()
  }
  return name
}

/** Reads big-endian integers and length-prefixed vectors; `failed` once it ran past the end. */
class Reader {
  private offset = 0
  private readonly buf: Buffer
  failed = false

  constructor(buf: Buffer) {
    this.buf = buf
  }

  get done(): boolean {
    return this.offset >= this.buf.length
  }

  skip(bytes: number): void {
    this.take(bytes)
  }

  uint8(): number {
    return this.take(1)[0] ?? 0
  }

  uint16(): number {
    const bytes = this.take(2)
    return bytes.length === 2 ? bytes.readUInt16BE(0) : 0
  }

  /** A vector with a `lengthBytes`-byte length in front (RFC 8446 §3.4). */
  vector(lengthBytes: 1 | 2): Buffer {
    return this.take(lengthBytes === 1 ? this.uint8() : this.uint16())
  }

  private take(bytes: number): Buffer {
    if (this.failed || this.offset + bytes > this.buf.length) {
      this.failed = true
      return Buffer.alloc(0)
    }
    const slice = this.buf.subarray(this.offset, this.offset + bytes)
    this.offset += bytes
    return slice
  }
}

const hex = (byte: number): string => byte.toString(16).padStart(2, '0')
