// Binding a node http(s) server and closing it gracefully, for every listener Weir serves.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Listens and resolves with the URL it can be reached at (the bound port, for port 0). */
export async function listen(server: Server, port: number, host: string, tls: boolean) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`
}

/**
 * Returns a close function for `server`: it stops accepting at once, lets requests in flight
 * finish (each connection then closes after its response instead of being kept alive), closes
 * idle connections now, and cuts whatever is left after `graceMs`.
 */
export function gracefulClose(server: Server, graceMs: number): () => Promise<void> {
  let closing = false
  server.on('request', (_req, res) => {
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections())
    })
  })
  return () =>
    new Promise((resolve) => {
      closing = true
      const force = setTimeout(() => server.closeAllConnections(), graceMs)
      force.unref()
      server.close(() => {
        clearTimeout(force)
        resolve()
      })
      server.closeIdleConnections()
    })
}
