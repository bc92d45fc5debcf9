// Certificates chosen by server name (RFC 6125 rules through X509Certificate.checkHost), the
// errors naming the file at fault at startup, and reloads logged once per change. Certificates
// are issued in the test by a private CA with the openssl CLI.
import { X509Certificate } from 'node:crypto'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  certificateFor,
  serverCertificates,
  type ServerTlsConfig,
} from '../../src/tls/certificates.ts'
import { selfSigned } from '../../scripts/local-stack/tls.ts'
import { testCa, type TestCa } from '../support/tls.ts'

let ca: TestCa
const pem = (file: string) => new X509Certificate(readFileSync(file))
const files: Record<string, { certFile: string; keyFile: string }> = {}

beforeAll(() => {
  ca = testCa('weir-certs-')
  files.default = ca.issue('default', ['gateway.example'])
  files.a = ca.issue('a', ['*.a.example'])
  files.b = ca.issue('b', ['exact.b.example', '*.tenant-b.example'])
  files.overlap = ca.issue('overlap', ['x.a.example', 'only.overlap.example'])
  // A certificate with a common name and no subjectAltName at all.
  selfSigned(ca.dir, 'cn-only', '/CN=cn-only.example', 2)
  files.cnOnly = {
    certFile: path.join(ca.dir, 'cn-only.crt'),
    keyFile: path.join(ca.dir, 'cn-only.key'),
  }
})

describe('certificateFor', () => {
  const chosen = (name: string) =>
    certificateFor(
      name,
      [files.a, files.b, files.overlap, files.cnOnly].map((f) => pem(f!.certFile))
    )

  it.each([
    ['x.a.example', 0, 'a wildcard matches one label'],
    ['Broker-1.A.Example', 0, 'in any case'],
    ['exact.b.example', 1, 'an exact name'],
    ['bootstrap.tenant-b.example', 1, 'the second name of a certificate'],
    ['only.overlap.example', 2, 'a later certificate when only it matches'],
  ])('%s is served by certificate %i (%s)', (name, index) => {
    expect(chosen(name)).toBe(index)
  })

  it.each([
    ['y.x.a.example', 'a wildcard does not match two labels'],
    ['a.example', 'a wildcard does not match the parent name'],
    ['other.b.example', 'an exact name matches itself only'],
    ['cn-only.example', 'the common name is not looked at'],
    ['unknown.example', 'no certificate names it'],
  ])('%s gets the default certificate (%s)', (name) => {
    expect(chosen(name)).toBeUndefined()
  })

  it('takes the first matching certificate when several do', () => {
    expect(chosen('x.a.example')).toBe(0)
    expect(
      certificateFor('x.a.example', [pem(files.overlap!.certFile), pem(files.a!.certFile)])
    ).toBe(0)
  })
})

/** A listener's tls with these certificates after the default one. */
function config(
  more: { certFile: string; keyFile: string }[] = [],
  extra: Partial<ServerTlsConfig> = {}
): ServerTlsConfig {
  return {
    ...files.default!,
    certificates: more,
    reloadIntervalMs: 0,
    requireClientCert: false,
    ...extra,
  }
}

interface Logged {
  level: 'info' | 'error'
  fields: unknown
  message: string
}

function recorder() {
  const logged: Logged[] = []
  return {
    logged,
    logger: {
      info: (fields: unknown, message: string) => logged.push({ level: 'info', fields, message }),
      error: (fields: unknown, message: string) => logged.push({ level: 'error', fields, message }),
    } as never,
  }
}

describe('serverCertificates at startup', () => {
  it('gives server options with the default certificate and an SNI choice', async () => {
    const store = serverCertificates(
      config([files.a!], { clientCaFile: path.join(ca.dir, 'ca.crt') }),
      recorder().logger
    )
    expect(store.options).toMatchObject({
      cert: readFileSync(files.default!.certFile),
      key: readFileSync(files.default!.keyFile),
      ca: Buffer.from(ca.ca),
      requestCert: true,
      rejectUnauthorized: false,
    })
    const sni = (name: string) =>
      new Promise((resolve, reject) =>
        store.options.SNICallback?.(name, (err, context) => (err ? reject(err) : resolve(context)))
      )
    expect(await sni('x.a.example')).toBeDefined()
    expect(await sni('unknown.example')).toBeUndefined()
  })

  it.each([
    [
      'a file that is not there',
      () => config([{ certFile: files.a!.certFile, keyFile: path.join(ca.dir, 'missing.key') }]),
      () =>
        `TLS file ${path.join(ca.dir, 'missing.key')} cannot be read: ENOENT: no such file or directory`,
    ],
    [
      "a key that is not the certificate's",
      () => config([{ certFile: files.a!.certFile, keyFile: files.b!.keyFile }]),
      () => `TLS key ${files.b!.keyFile} is not the key of certificate ${files.a!.certFile}`,
    ],
    [
      'a key file as the certificate',
      () => config([], { certFile: files.default!.keyFile }),
      () => `TLS file ${files.default!.keyFile} is not a certificate: `,
    ],
    [
      'a certificate as the key',
      () => config([], { keyFile: files.default!.certFile }),
      () => `TLS file ${files.default!.certFile} is not a private key: `,
    ],
    [
      'a client CA that is not a certificate',
      () => config([], { clientCaFile: files.a!.keyFile }),
      () => `TLS file ${files.a!.keyFile} is not a certificate: `,
    ],
    [
      'a certificate no server name can choose',
      () => config([files.cnOnly!]),
      () =>
        `TLS certificate ${files.cnOnly!.certFile} names no DNS host (subjectAltName): no server name would choose it`,
    ],
  ])('fails on %s, naming the file', (_what, tls, message) => {
    expect(() => serverCertificates(tls(), recorder().logger)).toThrow(message())
  })
})

describe('serverCertificates.reload', () => {
  it('takes changed files, and logs a broken change once, keeping the previous certificates', async () => {
    // A copy of certificate a that the test rewrites.
    const served = {
      certFile: path.join(ca.dir, 'served.crt'),
      keyFile: path.join(ca.dir, 'served.key'),
    }
    copyFileSync(files.a!.certFile, served.certFile)
    copyFileSync(files.a!.keyFile, served.keyFile)
    const { logger, logged } = recorder()
    const store = serverCertificates(config([served]), logger)

    await store.reload()
    expect(logged).toEqual([]) // nothing changed

    copyFileSync(files.b!.keyFile, served.keyFile) // the key of another certificate
    await store.reload()
    await store.reload()
    expect(logged).toEqual([
      {
        level: 'error',
        fields: {
          reason: `TLS key ${served.keyFile} is not the key of certificate ${served.certFile}`,
        },
        message: 'TLS certificates not reloaded: still serving the previous ones',
      },
    ])

    writeFileSync(served.keyFile, 'not a key')
    await store.reload()
    expect(logged).toHaveLength(2) // another broken change: logged too
    expect(JSON.stringify(logged)).not.toContain('PRIVATE KEY')

    copyFileSync(files.b!.certFile, served.certFile)
    copyFileSync(files.b!.keyFile, served.keyFile)
    await store.reload()
    expect(logged[2]).toEqual({
      level: 'info',
      fields: { files: [served.certFile, served.keyFile] },
      message: 'TLS certificates reloaded: new connections get them',
    })
    const sni = (name: string) =>
      new Promise((resolve) =>
        store.options.SNICallback?.(name, (_err, context) => resolve(context))
      )
    expect(await sni('exact.b.example')).toBeDefined()
    expect(await sni('x.a.example')).toBeUndefined()
  })
})
