// How the registry client speaks HTTP. Global fetch by default; node:https when the registry's
// TLS settings need a CA bundle, a client certificate or relaxed verification, which fetch
// cannot take per request without undici's Agent (not a dependency of Weir).
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import type { SchemaRegistryConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'

export interface TransportRequest {
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  signal: AbortSignal
}

export interface TransportResponse {
  status: number
  text(): Promise<string>
}

/** The part of fetch the registry client uses; global fetch is one. */
export type Transport = (url: string, init: TransportRequest) => Promise<TransportResponse>

export function transportFor(config: SchemaRegistryConfig): Transport {
  const tls = config.tls
  const custom =
    tls?.enabled &&
    (tls.caFile || tls.certFile || tls.serverName || tls.rejectUnauthorized === false)
  if (!custom) return (url, init) => fetch(url, init)
  if (!config.url.startsWith('https:')) {
    throw new GatewayError(
      'internal',
      `schema registry "${config.name}" has TLS settings but an http:// URL; use https://`
    )
  }
  return httpsTransport(tls)
}

type TlsConfig = NonNullable<SchemaRegistryConfig['tls']>

function httpsTransport(tls: TlsConfig): Transport {
  const options = {
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
    key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
    rejectUnauthorized: tls.rejectUnauthorized,
    servername: tls.serverName,
  }
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        { ...options, method: init.method, headers: init.headers, signal: init.signal },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', reject)
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8')
            resolve({ status: res.statusCode ?? 0, text: async () => body })
          })
        }
      )
      req.on('error', reject)
      req.end(init.body)
    })
}
