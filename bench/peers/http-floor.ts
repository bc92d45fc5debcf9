// The bare node:http server (http-floor/server.ts) as a reference beside Weir's HTTP produce: the
// same requests, answered 202 with no Kafka behind them, in its own Node process like Weir.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startServer, type ServerProcess } from '../gateway-process.ts'

const server = path.join(path.dirname(fileURLToPath(import.meta.url)), 'http-floor', 'server.ts')

export async function startHttpFloor(logFile: string): Promise<ServerProcess> {
  const port = await freePort()
  return startServer({
    name: 'bare node:http',
    command: process.execPath,
    args: [server, String(port)],
    logFile,
    url: `http://127.0.0.1:${port}`,
    readyPath: '/',
  })
}
