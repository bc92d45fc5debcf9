// The naive HTTP bridge (naive-bridge/server.ts) as a peer of Weir's HTTP produce: node:http and a
// kafkajs (or @platformatic/kafka) producer with a 2 ms linger, nothing else, in its own Node
// process like Weir, taking the same requests (POST /topics/{topic}, one JSON event or a JSON
// array) and answering 202.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { startServer, type ServerProcess } from '../gateway-process.ts'
import type { BridgeClient } from './naive-bridge/producers.ts'

const server = path.join(path.dirname(fileURLToPath(import.meta.url)), 'naive-bridge', 'server.ts')

/** Starts a bridge in front of `bootstrap`, ready once its producer is connected. */
export async function startNaiveBridge(
  bootstrap: string,
  logFile: string,
  client: BridgeClient = 'kafkajs'
): Promise<ServerProcess> {
  const port = await freePort()
  return startServer({
    name: `naive bridge (${client})`,
    command: process.execPath,
    args: [server, bootstrap, String(port), client],
    logFile,
    url: `http://127.0.0.1:${port}`,
    readyPath: '/ready',
  })
}
