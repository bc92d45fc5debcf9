// TLS test material: real ClientHellos captured from Node's own client, and a private CA in a
// temporary folder that issues server certificates with the openssl CLI (as the local stack does).
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { issue, selfSigned, sign } from '../../scripts/local-stack/tls.ts'

/**
 * The first flight `tls.connect(options)` sends: its whole ClientHello, told complete by the
 * handshake length in its first record (counted here apart from the code under test).
 */
export function captureClientHello(options: ConnectionOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      let got = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk])
        if (got.length < 9) return
        const wanted = 4 + got.readUIntBE(6, 3)
        let fragments = 0
        for (let offset = 0; offset + 5 <= got.length;) {
          const length = got.readUInt16BE(offset + 3)
          if (offset + 5 + length > got.length) return
          fragments += length
          offset += 5 + length
          if (fragments >= wanted) {
            socket.destroy()
            server.close()
            return resolve(got.subarray(0, offset))
          }
        }
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      const client = tlsConnect({ host: '127.0.0.1', port, ...options })
      client.on('error', () => {}) // the capturing server hangs up: expected
    })
    server.on('error', reject)
  })
}

/** Cuts a single-record ClientHello's handshake bytes into records of the given sizes. */
export function reframe(hello: Buffer, sizes: readonly number[]): Buffer {
  const message = hello.subarray(5, 5 + hello.readUInt16BE(3))
  const records: Buffer[] = []
  let offset = 0
  for (const size of [...sizes, message.length]) {
    const fragment = message.subarray(offset, Math.min(offset + size, message.length))
    if (fragment.length === 0) break
    const header = Buffer.from([0x16, hello[1] ?? 3, hello[2] ?? 1, 0, 0])
    header.writeUInt16BE(fragment.length, 3)
    records.push(header, fragment)
    offset += fragment.length
  }
  return Buffer.concat(records)
}

export interface TestCa {
  dir: string
  /** The CA certificate, PEM: what clients trust. */
  ca: string
  /**
   * Issues `<name>.crt` and `<name>.key` in `dir` for these DNS names (each call a new key and
   * serial) and returns their paths.
   */
  issue(name: string, dnsNames: readonly string[]): { certFile: string; keyFile: string }
  /** Issues `<name>.crt` and `<name>.key`: a client certificate with CN `<name>`. */
  issueClient(name: string): { certFile: string; keyFile: string }
  /** Signs `<name>`'s request again (same key and names, a new serial) into `<name>.renewed.crt`. */
  renew(name: string): string
}

/** A fresh CA in a temporary folder. */
export function testCa(prefix = 'weir-tls-'): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  selfSigned(dir, 'ca', '/CN=Weir TLS test CA', 2)
  return {
    dir,
    ca: readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    issue(name, dnsNames) {
      const sans = dnsNames.map((n) => `DNS:${n}`).join(',')
      issue(
        dir,
        name,
        `/CN=${dnsNames[0] ?? name}`,
        `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`
      )
      return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) }
    },
    issueClient(name) {
      issue(dir, name, `/CN=${name}`, 'extendedKeyUsage=clientAuth\n')
      return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) }
    },
    renew(name) {
      const out = `${name}.renewed.crt`
      sign(dir, name, out)
      return path.join(dir, out)
    },
  }
}
