// A TLS listener's certificates: a default one and more chosen by the TLS server name (the first
// whose DNS names match, RFC 6125 wildcards included), all read again from disk every
// `reloadIntervalMs`. Changed files serve the next handshakes; open connections keep the session
// they have (Node uses a context only to set up a new one). Files are compared by content, not
// watched: Kubernetes swaps a mounted secret by a symlink, which fs.watch misses.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import {
  createSecureContext,
  type SecureContext,
  type Server as TlsServer,
  type TlsOptions,
} from 'node:tls'
import type { HttpListenerConfig } from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'

/** A listener's `tls` (http and kafka listeners share it). */
export type ServerTlsConfig = NonNullable<HttpListenerConfig['tls']>

export interface ServerCertificates {
  /**
   * What to create the TLS (or HTTPS) server with: the default certificate, the client CA and
   * whether a client certificate is asked for, and an SNICallback choosing among `certificates`.
   * Always the certificates loaded last.
   */
  readonly options: TlsOptions
  /**
   * Serves reloaded certificates on `server` too (created with `options`) and, with the first
   * server, starts reading the files every `reloadIntervalMs`. Returns the detach: the reading
   * stops with the last server detached. A reload replaces the server's default context with
   * one made of the certificate, key, client CA and session settings only.
   */
  attach(server: TlsServer): () => void
  /** Reads the files now; resolves once changed certificates are served (or refused, logged). */
  reload(): Promise<void>
}

/** The certificate files, read: what a reload compares and builds contexts from. */
type Contents = ReadonlyMap<string, Buffer>

interface Loaded {
  contents: Contents
  cert: Buffer
  key: Buffer
  ca: Buffer | undefined
  /** `certificates` in order (the first whose names match the server name is served)... */
  certificates: X509Certificate[]
  /** ...and the context serving each. */
  contexts: SecureContext[]
}

/**
 * Loads the certificates of a listener's `tls`; throws an error naming the file when one cannot
 * be read, is not a certificate or key, or a key does not match its certificate.
 */
export function serverCertificates(
  tls: ServerTlsConfig,
  logger: Pick<Logger, 'info' | 'error'>
): ServerCertificates {
  // One session id context for every context, as Node makes one for the server's own: a session
  // resumed on a context chosen by name stays valid (OpenSSL needs it with client certificates).
  const sid = createHash('sha1').update(`weir:${tls.certFile}`).digest('hex').slice(0, 32)
  let loaded = build(tls, readAllSync(files(tls)), sid)
  const servers = new Set<TlsServer>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  /** What the last refused reload was made of: each change is logged once, not at every check. */
  let refused: string | undefined

  const check = async (): Promise<void> => {
    let contents: Contents | undefined
    let next: Loaded
    try {
      contents = await readAll(files(tls))
      if (sameContents(contents, loaded.contents)) {
        refused = undefined
        return
      }
      next = build(tls, contents, sid)
    } catch (err) {
      const reason = (err as Error).message
      const key = contents === undefined ? reason : fingerprint(contents)
      if (key === refused) return
      refused = key
      logger.error({ reason }, 'TLS certificates not reloaded: still serving the previous ones')
      return
    }
    const before = loaded.contents
    const changed = [...contents.keys()].filter((f) => !sameBytes(contents.get(f), before.get(f)))
    loaded = next
    refused = undefined
    for (const server of servers) serve(server, loaded, sid)
    logger.info({ files: changed }, 'TLS certificates reloaded: new connections get them')
  }

  const reload = (): Promise<void> => {
    running ??= check().finally(() => (running = undefined))
    return running
  }

  const options: TlsOptions = {
    requestCert: tls.clientCaFile !== undefined,
    rejectUnauthorized: tls.requireClientCert,
    sessionIdContext: sid,
    SNICallback: (servername, done) => {
      const chosen = certificateFor(servername, loaded.certificates)
      // No context: the server's default one, whatever setSecureContext made it last.
      done(null, chosen === undefined ? undefined : loaded.contexts[chosen])
    },
  }
  Object.defineProperties(options, {
    cert: { get: () => loaded.cert, enumerable: true },
    key: { get: () => loaded.key, enumerable: true },
    ca: { get: () => loaded.ca, enumerable: true },
  })

  return {
    options,
    attach(server) {
      servers.add(server)
      // Reloaded since `options` made the server, maybe: it serves the latest from now on.
      serve(server, loaded, sid)
      if (timer === undefined && tls.reloadIntervalMs > 0) {
        timer = setInterval(() => void reload(), tls.reloadIntervalMs)
        timer.unref()
      }
      return () => {
        servers.delete(server)
        if (servers.size > 0 || timer === undefined) return
        clearInterval(timer)
        timer = undefined
      }
    },
    reload,
  }
}

/**
 * Which of `certificates` serves `serverName`: the first one a DNS name of which matches it
 * (RFC 6125: case-insensitive, a wildcard in the left-most label stands for that one label
 * only; the subject's common name is not looked at). Undefined: none, the default one then.
 */
export function certificateFor(
  serverName: string,
  certificates: readonly X509Certificate[]
): number | undefined {
  const i = certificates.findIndex(
    (certificate) => certificate.checkHost(serverName, { subject: 'never' }) !== undefined
  )
  return i < 0 ? undefined : i
}

/** The files of a `tls`, each once, in a fixed order. */
function files(tls: ServerTlsConfig): string[] {
  const all = [
    tls.certFile,
    tls.keyFile,
    ...tls.certificates.flatMap((c) => [c.certFile, c.keyFile]),
  ]
  if (tls.clientCaFile !== undefined) all.push(tls.clientCaFile)
  return [...new Set(all)]
}

function readAllSync(paths: readonly string[]): Contents {
  return new Map(
    paths.map((file) => {
      try {
        return [file, readFileSync(file)]
      } catch (err) {
        throw unreadable(file, err)
      }
    })
  )
}

async function readAll(paths: readonly string[]): Promise<Contents> {
  const read = (file: string) =>
    readFile(file).catch((err: unknown) => Promise.reject(unreadable(file, err)))
  const contents = await Promise.all(paths.map(read))
  return new Map(paths.map((file, i) => [file, contents[i] ?? Buffer.alloc(0)]))
}

function unreadable(file: string, err: unknown): Error {
  return new Error(`TLS file ${file} cannot be read: ${(err as Error).message}`, { cause: err })
}

const sameBytes = (a: Buffer | undefined, b: Buffer | undefined): boolean =>
  a !== undefined && b !== undefined && a.equals(b)

function sameContents(a: Contents, b: Contents): boolean {
  return a.size === b.size && [...a].every(([file, bytes]) => sameBytes(bytes, b.get(file)))
}

/** Tells one set of contents from another (kept in memory only, never logged). */
function fingerprint(contents: Contents): string {
  const hash = createHash('sha256')
  for (const bytes of contents.values()) hash.update(bytes)
  return hash.digest('hex')
}

/** Checks every file of `contents` and makes the contexts; throws naming the file at fault. */
function build(tls: ServerTlsConfig, contents: Contents, sessionIdContext: string): Loaded {
  const bytes = (file: string): Buffer => contents.get(file) ?? Buffer.alloc(0)
  const ca = tls.clientCaFile === undefined ? undefined : bytes(tls.clientCaFile)
  if (tls.clientCaFile !== undefined && ca !== undefined) certificateOf(tls.clientCaFile, ca)
  const pair = (certFile: string, keyFile: string) => {
    const certificate = certificateOf(certFile, bytes(certFile))
    const key = keyOf(keyFile, bytes(keyFile))
    if (!certificate.checkPrivateKey(key)) {
      throw new Error(`TLS key ${keyFile} is not the key of certificate ${certFile}`)
    }
    const context = contextOf(certFile, {
      cert: bytes(certFile),
      key: bytes(keyFile),
      ca,
      sessionIdContext,
    })
    return { certificate, context }
  }
  pair(tls.certFile, tls.keyFile)
  const byName = tls.certificates.map(({ certFile, keyFile }) => {
    const chosen = pair(certFile, keyFile)
    if (!(chosen.certificate.subjectAltName ?? '').split(', ').some((n) => n.startsWith('DNS:'))) {
      throw new Error(
        `TLS certificate ${certFile} names no DNS host (subjectAltName): no server name would choose it`
      )
    }
    return chosen
  })
  return {
    contents,
    cert: bytes(tls.certFile),
    key: bytes(tls.keyFile),
    ca,
    certificates: byName.map((c) => c.certificate),
    contexts: byName.map((c) => c.context),
  }
}

function certificateOf(file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem)
  } catch (err) {
    throw new Error(`TLS file ${file} is not a certificate: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

function keyOf(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem)
  } catch (err) {
    // OpenSSL's message names the decoder that failed, never the key's content.
    throw new Error(`TLS file ${file} is not a private key: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

function contextOf(
  file: string,
  options: Parameters<typeof createSecureContext>[0]
): SecureContext {
  try {
    return createSecureContext(options)
  } catch (err) {
    throw new Error(`TLS certificate ${file} cannot be served: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

/** Serves `loaded` on `server`: its default context for new handshakes; session tickets stay valid. */
function serve(server: TlsServer, loaded: Loaded, sessionIdContext: string): void {
  server.setSecureContext({
    cert: loaded.cert,
    key: loaded.key,
    ca: loaded.ca,
    sessionIdContext,
    ticketKeys: server.getTicketKeys(),
  })
}
