// What a client presented over HTTP, read from its headers and its TLS connection once, for any
// authentication method.
import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import type { Credentials } from '../core/principal.ts'
import { verifiedCertificateSubject } from '../policy/index.ts'
import { nodeHeaders, type HttpClient } from './exchange.ts'

/** A node:http request as an HttpClient (doors served ahead of hono, and upgrades). */
export function nodeClient(request: IncomingMessage): HttpClient {
  return {
    headers: nodeHeaders(request),
    clientCertSubject: verifiedCertificateSubject(request.socket),
    client: request.socket.remoteAddress,
  }
}

/** A hono request as an HttpClient; its TLS connection is the node request's under hono. */
export function honoClient(c: Context): HttpClient {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  return {
    headers: c.req.raw.headers,
    clientCertSubject: verifiedCertificateSubject(incoming?.socket),
    client: incoming?.socket.remoteAddress,
  }
}

export function httpCredentials(
  { headers, clientCertSubject, client }: HttpClient,
  apiKeyHeaders: readonly string[]
): Credentials {
  const credentials: Credentials = {}
  const authorization = headers.get('authorization')
  if (authorization) {
    const space = authorization.indexOf(' ')
    const scheme = authorization.slice(0, space).toLowerCase()
    const value = authorization.slice(space + 1).trim()
    if (scheme === 'bearer') credentials.bearerToken = value
    else if (scheme === 'apikey') credentials.apiKey = value
    else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon >= 0)
        credentials.basic = {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
        }
    }
  }
  for (const name of apiKeyHeaders) {
    const key = headers.get(name)
    if (key) {
      credentials.apiKey = key
      break
    }
  }
  if (clientCertSubject) credentials.clientCertSubject = clientCertSubject
  // The engine's ip filters judge it before any credential.
  if (client) credentials.client = client
  return credentials
}
