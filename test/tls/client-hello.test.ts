// The ClientHello scan on real ClientHellos from Node's own TLS client (with a server name,
// without, one so large OpenSSL sends it in two records, one re-framed by hand), fed whole and a
// byte at a time, and on malformed input.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  alertRecord,
  MAX_CLIENT_HELLO_BYTES,
  scanClientHello,
  TlsAlert,
} from '../../src/tls/client-hello.ts'
import { captureClientHello, reframe } from '../support/tls.ts'

/** Many long ALPN protocol names: a ClientHello over 16 KiB, past one TLS record. */
const manyProtocols = Array.from({ length: 100 }, (_, i) => `${'p'.repeat(190)}${i}`)

const hellos: Record<'named' | 'unnamed' | 'tls12' | 'large', Buffer> = {
  named: Buffer.alloc(0),
  unnamed: Buffer.alloc(0),
  tls12: Buffer.alloc(0),
  large: Buffer.alloc(0),
}

beforeAll(async () => {
  hellos.named = await captureClientHello({ servername: 'Broker-1.Shop.Example' })
  // Connecting to an IP address, Node sends no server name.
  hellos.unnamed = await captureClientHello({})
  hellos.tls12 = await captureClientHello({ servername: 'old.example', maxVersion: 'TLSv1.2' })
  hellos.large = await captureClientHello({
    servername: 'large.example',
    ALPNProtocols: manyProtocols,
  })
})

/** Every proper prefix answers `more`; the whole answers what the test expects. */
function scanEveryPrefix(bytes: Buffer): void {
  for (let end = 0; end < bytes.length; end++) {
    const scan = scanClientHello(bytes.subarray(0, end))
    if (scan.kind !== 'more') throw new Error(`prefix of ${end} bytes: ${JSON.stringify(scan)}`)
  }
}

describe('scanClientHello on real ClientHellos', () => {
  it('reads the server name, lower-cased', () => {
    expect(scanClientHello(hellos.named)).toEqual({
      kind: 'hello',
      serverName: 'broker-1.shop.example',
    })
  })

  it('reads no server name from a hello without one', () => {
    expect(scanClientHello(hellos.unnamed)).toEqual({ kind: 'hello', serverName: undefined })
  })

  it('reads a TLS 1.2 ClientHello', () => {
    expect(scanClientHello(hellos.tls12)).toEqual({ kind: 'hello', serverName: 'old.example' })
  })

  it('reassembles a ClientHello OpenSSL split over two records', () => {
    const large = hellos.large
    expect(large.readUInt16BE(3)).toBe(16_384) // the first record is full: there is a second
    expect(large.length).toBeGreaterThan(16_384 + 5)
    expect(scanClientHello(large)).toEqual({ kind: 'hello', serverName: 'large.example' })
  })

  it.each([
    ['the handshake header', [2]],
    ['the extensions', [300]],
    ['many records', [1, 1, 1, 50, 7, 400]],
  ])('reassembles a ClientHello re-framed into records splitting %s', (_what, sizes) => {
    const split = reframe(hellos.named, sizes)
    expect(split.length).toBeGreaterThan(hellos.named.length)
    expect(scanClientHello(split)).toEqual({ kind: 'hello', serverName: 'broker-1.shop.example' })
  })

  it('asks for more at every byte before the end (a hello over many TCP chunks)', () => {
    scanEveryPrefix(hellos.named)
    scanEveryPrefix(reframe(hellos.named, [2, 300]))
    const large = hellos.large
    for (const end of [1, 5, 9, 16_389, 16_390, large.length - 1]) {
      expect(scanClientHello(large.subarray(0, end))).toEqual({ kind: 'more' })
    }
  })

  it('ignores what follows the ClientHello', () => {
    const after = Buffer.concat([hellos.named, Buffer.from([0x14, 3, 3, 0, 1, 1])])
    expect(scanClientHello(after)).toEqual({ kind: 'hello', serverName: 'broker-1.shop.example' })
  })
})

describe('scanClientHello on what is not a good ClientHello', () => {
  /** A copy of the named hello with `patch` applied. */
  const patched = (patch: (b: Buffer) => void): Buffer => {
    const copy = Buffer.from(hellos.named)
    patch(copy)
    return copy
  }
  const nameAt = (b: Buffer) => b.indexOf('Broker-1.Shop.Example')

  it.each([
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\n'), 'not TLS (first byte 0x47)'],
    ['one byte of it', Buffer.from('G'), 'not TLS (first byte 0x47)'],
    [
      'an SSLv2-style hello',
      Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]),
      'not TLS (first byte 0x80)',
    ],
    ['a Kafka request', Buffer.from([0, 0, 0, 20, 0, 18, 0, 3]), 'not TLS (first byte 0x00)'],
    [
      'a record version not 3.x',
      Buffer.from([0x16, 0x02, 0x00]),
      'not TLS (record version 0x02..)',
    ],
  ])('refuses %s as not TLS, without an alert', (_what, bytes, reason) => {
    expect(scanClientHello(bytes)).toEqual({ kind: 'invalid', reason, alert: undefined })
  })

  it.each([
    [
      'an empty record',
      () => Buffer.from([0x16, 3, 1, 0, 0]),
      'an empty handshake record',
      TlsAlert.decodeError,
    ],
    [
      'a record over 2^14 bytes',
      () => Buffer.from([0x16, 3, 1, 0x40, 0x01]),
      'a TLS record of 16385 bytes',
      TlsAlert.recordOverflow,
    ],
    [
      'another handshake message first (a ServerHello)',
      () => patched((b) => (b[5] = 2)),
      'handshake message 2 before the ClientHello',
      TlsAlert.unexpectedMessage,
    ],
    [
      'a ClientHello declaring over 64 KiB',
      () => Buffer.from([0x16, 3, 1, 0, 4, 1, 0x01, 0x00, 0x01]),
      `a ClientHello of 65537 bytes (at most ${MAX_CLIENT_HELLO_BYTES})`,
      TlsAlert.illegalParameter,
    ],
    [
      'an alert record in the middle of the ClientHello',
      () => {
        const split = reframe(hellos.named, [100])
        split[105] = 0x15
        return split
      },
      'a record of type 21 inside the ClientHello',
      TlsAlert.unexpectedMessage,
    ],
    [
      'extensions longer than the hello',
      () => patched((b) => b.writeUInt16BE(0xfff0, extensionsLengthAt(b))),
      'a malformed ClientHello (its extensions)',
      TlsAlert.decodeError,
    ],
    [
      'a server name with 8-bit bytes',
      () => patched((b) => b.write('\u00fc', nameAt(b), 'utf8')),
      'a server name that is not an ASCII host name',
      TlsAlert.unrecognizedName,
    ],
    [
      'a server name with a NUL byte',
      () => patched((b) => (b[nameAt(b) + 6] = 0)),
      'a server name that is not an ASCII host name',
      TlsAlert.unrecognizedName,
    ],
    [
      'a host name entry longer than its list',
      () => patched((b) => b.writeUInt16BE(0x00ff, nameAt(b) - 2)),
      'a malformed server_name extension',
      TlsAlert.decodeError,
    ],
  ])('refuses %s', (_what, bytes, reason, alert) => {
    expect(scanClientHello(bytes())).toEqual({ kind: 'invalid', reason, alert })
  })

  it('refuses a ClientHello in more records than its size allows', () => {
    // A 30 000-byte ClientHello sent a byte per record: six bytes on the wire for each.
    const header = Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0x75, 0x30])
    const oneByte = Buffer.from([0x16, 3, 1, 0, 1, 0])
    const records = Buffer.concat([header, ...Array<Buffer>(30_000).fill(oneByte)])
    expect(scanClientHello(records)).toEqual({
      kind: 'invalid',
      reason: 'ClientHello spread over too many records',
      alert: TlsAlert.illegalParameter,
    })
  })
})

describe('scanClientHello on hand-built ClientHellos', () => {
  it.each([
    [
      'no extensions at all (TLS 1.2 allows it)',
      undefined,
      { kind: 'hello', serverName: undefined },
    ],
    [
      'a server_name with only a name of another type',
      [extension(0, serverNameList([[1, 'x']]))],
      { kind: 'hello', serverName: undefined },
    ],
    [
      'a host name among other names',
      [
        extension(
          0,
          serverNameList([
            [7, 'x'],
            [0, 'Tenant.Example'],
          ])
        ),
        extension(16, Buffer.from([0, 3, 2, 'h'.charCodeAt(0), '2'.charCodeAt(0)])),
      ],
      { kind: 'hello', serverName: 'tenant.example' },
    ],
    [
      'two host names',
      [
        extension(
          0,
          serverNameList([
            [0, 'a.example'],
            [0, 'b.example'],
          ])
        ),
      ],
      {
        kind: 'invalid',
        reason: 'two host names in server_name',
        alert: TlsAlert.illegalParameter,
      },
    ],
    [
      'the server_name extension twice',
      [
        extension(0, serverNameList([[0, 'a.example']])),
        extension(0, serverNameList([[0, 'b.example']])),
      ],
      { kind: 'invalid', reason: 'extension 0 twice', alert: TlsAlert.illegalParameter },
    ],
    [
      'an empty server_name list',
      [extension(0, Buffer.from([0, 0]))],
      { kind: 'invalid', reason: 'a malformed server_name extension', alert: TlsAlert.decodeError },
    ],
  ])('%s', (_what, extensions, expected) => {
    expect(scanClientHello(syntheticHello(extensions))).toEqual(expected)
  })
})

/** A ClientHello record: one cipher suite, null compression, these extensions (if any). */
function syntheticHello(extensions: Buffer[] | undefined): Buffer {
  const fixed = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32),
    Buffer.from([0, 0, 2, 0xc0, 0x2f, 1, 0]),
  ])
  const body =
    extensions === undefined ? fixed : Buffer.concat([fixed, vector16(Buffer.concat(extensions))])
  const message = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body])
  return Buffer.concat([Buffer.from([0x16, 3, 1]), vector16(message)])
}

function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type >> 8, type & 0xff]), vector16(data)])
}

function serverNameList(names: [type: number, name: string][]): Buffer {
  const entries = names.map(([type, name]) =>
    Buffer.concat([Buffer.from([type]), vector16(Buffer.from(name))])
  )
  return vector16(Buffer.concat(entries))
}

function vector16(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([data.length >> 8, data.length & 0xff]), data])
}

/** Where the extensions' length is in a single-record ClientHello. */
function extensionsLengthAt(hello: Buffer): number {
  let offset = 5 + 4 + 2 + 32
  offset += 1 + (hello[offset] ?? 0) // session id
  offset += 2 + hello.readUInt16BE(offset) // cipher suites
  offset += 1 + (hello[offset] ?? 0) // compression methods
  return offset
}

describe('alertRecord', () => {
  it('is a fatal alert record in TLS 1.2 record framing', () => {
    expect(alertRecord(TlsAlert.unrecognizedName).toString('hex')).toBe('15030300020270')
    expect(alertRecord(TlsAlert.handshakeFailure).toString('hex')).toBe('15030300020228')
  })
})
