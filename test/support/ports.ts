// Free TCP ports for listeners that need known port numbers (a Kafka listener maps broker N to
// base + N, so it cannot take port 0).
import { createServer } from 'node:net'

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** The first of `count` consecutive free ports, from a random start. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20_000 + Math.floor(Math.random() * 30_000)
    let free = true
    for (let port = start; port < start + count && free; port++) free = await canBind(port)
    if (free) return start
  }
  throw new Error(`no ${count} consecutive free ports found`)
}
