// A private CA and certificates for the broker's SSL listener (with client certificates
// required), made with the openssl CLI once per stack folder. Tests use them to prove TLS and
// mTLS towards the brokers.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface StackTls {
  caFile: string
  /** The broker's PKCS#8 key followed by its certificate: Kafka's PEM keystore layout. */
  serverKeystoreFile: string
  clientCertFile: string
  clientKeyFile: string
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`, {
      cause: err,
    })
  }
}

/** Issues `<name>.key` and `<name>.crt` in `dir`, signed by the CA there (`ca.key`, `ca.crt`). */
export function issue(dir: string, name: string, subject: string, extensions: string): void {
  openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`],
    dir
  )
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir)
  writeFileSync(path.join(dir, `${name}.ext`), extensions)
  sign(dir, name)
}

/**
 * Signs `<name>.csr` with `<name>.ext` by the CA in `dir` into `out`: again for a renewed
 * certificate (same key and names, a new serial).
 */
export function sign(dir: string, name: string, out = `${name}.crt`): void {
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      out,
    ],
    dir
  )
}

/** Makes `<name>.key` and a self-signed `<name>.crt` for `subject` in `dir` (a CA: `ca`). */
export function selfSigned(dir: string, name: string, subject: string, days = 3650): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-subj',
      subject,
      '-days',
      String(days),
      '-out',
      `${name}.crt`,
    ],
    dir
  )
}

/** Creates (first time only) a CA, a broker certificate for 127.0.0.1/localhost, and a client certificate. */
export function stackTls(dir: string): StackTls {
  const tls: StackTls = {
    caFile: path.join(dir, 'ca.crt'),
    serverKeystoreFile: path.join(dir, 'broker.pem'),
    clientCertFile: path.join(dir, 'client.crt'),
    clientKeyFile: path.join(dir, 'client.key'),
  }
  if (existsSync(tls.serverKeystoreFile) && existsSync(tls.clientKeyFile)) return tls
  mkdirSync(dir, { recursive: true })
  selfSigned(dir, 'ca', '/CN=Weir test CA')
  issue(
    dir,
    'broker',
    '/CN=localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
  )
  issue(dir, 'client', '/CN=weir-client/O=Weir', 'extendedKeyUsage=clientAuth\n')
  // genpkey writes PKCS#8, which Kafka's PEM keystore requires.
  writeFileSync(
    tls.serverKeystoreFile,
    readFileSync(path.join(dir, 'broker.key'), 'utf8') +
      readFileSync(path.join(dir, 'broker.crt'), 'utf8')
  )
  return tls
}
