// Weir as the fan-out scenario runs it: its own process with one stream, the soft open-file limit
// raised to the hard one (it holds a socket per subscriber), and what it logged, for the report.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { freePort } from '../../scripts/local-stack/ports.ts'
import { repoRoot, startServer, type ServerProcess } from '../gateway-process.ts'
import type { BenchContext } from '../scenario.ts'
import { logMessages } from '../server-log.ts'

/** The hard limit on open files: the subscriber process and Weir each hold a socket per client. */
export function fileLimit(): number {
  const out = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out)
}

function weirConfig(bootstrap: string, port: number, maxConnections: number): string {
  // One stream on a path parameter, ephemeral group from latest: every connection on the node
  // shares one consumer, which is what fan-out is. The per-principal limit is lifted: every bench
  // client is the same anonymous principal.
  return `backendClusters:
  - name: bench
    bootstrapServers: ${bootstrap}
virtualClusters:
  - name: bench
    backendCluster: bench
listeners:
  - name: bench
    kind: http
    host: 127.0.0.1
    port: ${port}
    streams:
      - name: fanout
        path: /streams/{topic}
        virtualCluster: bench
        topics: { from: path, name: topic, allowed: ['bench-*'] }
        protocols: [websocket, sse]
        group: { mode: ephemeral }
        start: latest
        maxConnectionsPerPrincipal: ${maxConnections}
logging:
  level: warn
`
}

export async function startWeir(
  ctx: BenchContext,
  dir: string,
  maxConnections: number
): Promise<ServerProcess> {
  const weirRoot = process.env.WEIR_BENCH_WEIR_ROOT || repoRoot
  const nodeArgs = (process.env.WEIR_BENCH_WEIR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  const workers = process.env.WEIR_BENCH_FANOUT_WORKERS
  const port = await freePort()
  const config = path.join(dir, 'weir.yaml')
  writeFileSync(config, weirConfig(ctx.bootstrap, port, maxConnections))
  // Through bash to raise the soft file limit to the hard one; exec keeps the pid.
  return startServer({
    name: 'weir',
    command: 'bash',
    args: [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"',
      process.execPath,
      ...nodeArgs,
      path.join(weirRoot, 'src/cli.ts'),
      'start',
      '-c',
      config,
      // For exploring (not the report): the subscribers spread over N event loops.
      ...(workers ? ['--workers', workers] : []),
    ],
    cwd: weirRoot,
    logFile: path.join(dir, 'weir.log'),
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
  })
}

/** What Weir logged (warnings and errors only, at this level), by message, with counts. */
export function loggedMessages(file: string): Map<string, number> {
  const logged = new Map<string, number>()
  for (const message of logMessages(file)) logged.set(message, (logged.get(message) ?? 0) + 1)
  return logged
}
