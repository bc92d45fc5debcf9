// What a client presented over HTTP, read from its headers once, for any authentication method.
import type { Credentials } from '../core/principal.ts'
import type { HeaderReader } from './exchange.ts'

export function httpCredentials(
  headers: HeaderReader,
  apiKeyHeaders: readonly string[],
  clientCertSubject?: string
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
  return credentials
}
