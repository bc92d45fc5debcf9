// A real redis-server (Debian's package) for the shared state store's tests: started on a free
// port with a folder of its own, no persistence, stopped after. It can be restarted on the same
// port mid-test (a store outage). Anything that keeps it from starting throws: the tests then
// fail, they are never skipped (CI installs it in .ci/run).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { onFreePorts } from './ports.ts'

const REDIS_SERVER = process.env.WEIR_REDIS_SERVER ?? 'redis-server'

export interface RedisServer {
  /** redis://127.0.0.1:<port>: the `url` of a `state` section. */
  readonly url: string
  readonly port: number
  /** Stops the server (SIGKILL: an outage, not a goodbye). */
  kill(): Promise<void>
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>
  /** Runs one command through redis-cli's protocol (inline), returning the raw reply line(s). */
  command(...args: string[]): Promise<string>
  stop(): Promise<void>
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-redis-'))
  let child: ChildProcess | undefined
  const launch = async (port: number) => {
    const started = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let output = ''
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000))
    started.stdout?.on('data', collect)
    started.stderr?.on('data', collect)
    started.once('error', (err) => (output += String(err)))
    await answering(port, started, () => output)
    child = started
  }
  const port = await onFreePorts(1, async (p) => {
    await launch(p)
    return p
  })
  const kill = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      running.kill('SIGKILL')
    })
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: async () => {
      await kill()
      await launch(port)
    },
    command: (...args) => send(port, args),
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Sends one command as a RESP array and resolves with the reply as text. */
function send(port: number, args: readonly string[]): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis-server did not answer')))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.endsWith('\r\n')) socket.end()
    })
    socket.on('end', () => resolve(reply.trim()))
    socket.on('error', reject)
    socket.write(payload)
  })
}

async function answering(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const taken = /address already in use/i.test(output()) ? ' EADDRINUSE' : ''
      throw new Error(
        `redis-server exited (${child.exitCode ?? child.signalCode})${taken}: ${output()} ` +
          '(Debian: apt-get install redis-server)'
      )
    }
    const pong = await send(port, ['PING']).catch(() => '')
    if (pong === '+PONG') return
    if (Date.now() > deadline) throw new Error(`redis-server did not answer in 15 s: ${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
