// Weir's own CPU per HTTP produce request, in process and without sockets on the HTTP side: the
// produce fast path (route, lifecycle, authentication, handler, events, idempotency, the produce
// service with its policies and serializer, observation, the reply) called with an in-memory
// request and response, which an end-to-end run measures only to ±2.5 µs. Two modes:
// - no Kafka (default): the producer pool answers at once, so what is left is the work Weir adds
//   on top of node:http and the Kafka client. Beside it, the floor: read, parse, answer.
// - `--bootstrap HOST:PORT [--client kafkajs|platformatic]`: Weir's real services against that
//   broker, beside the naive bridge's producer (bench/peers/naive-bridge/) doing the floor's work
//   plus the send, on the same library: Weir's cost against the bridge's with Kafka included.
// Per source tree (say a `git archive` of main and this checkout), interleaved round by round,
// `concurrency` requests in flight as the bench's json-single connections; CPU time (user +
// system) of this process per request, the median of the rounds.
//   node bench/http-produce-inprocess.ts [--roots DIR,DIR...] [--rounds R] [--events N]
//     [--bootstrap HOST:PORT] [--client kafkajs|platformatic] [--no-peer]
// With node's --cpu-prof, the profile shows where that time goes.
import path from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from './gateway-process.ts'
import { benchKafka, freshTopic } from './kafka.ts'
import {
  memoryExchange,
  type MemoryRequest,
  type MemoryResponse,
  type Serve,
} from './inprocess/memory-http.ts'
import { kafkaFastPath, memoryFastPath } from './inprocess/weir-trees.ts'
import { bridgeProducer, type BridgeClient } from './peers/naive-bridge/producers.ts'
import { benchEvent } from './scenarios/http-events.ts'
import { percentile } from './stats.ts'
import type { BenchContext } from './scenario.ts'

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: repoRoot },
    rounds: { type: 'string', default: '7' },
    events: { type: 'string', default: '1' },
    requests: { type: 'string' },
    bootstrap: { type: 'string' },
    client: { type: 'string', default: 'platformatic' },
    // --no-peer: only the trees (a profile of Weir alone).
    peer: { type: 'boolean', default: true },
  },
  allowNegative: true,
})
const roots = (values.roots as string).split(',').map((r) => path.resolve(r))
const rounds = Number(values.rounds)
const eventsPerRequest = Number(values.events)
const bootstrap = values.bootstrap
const client = values.client as BridgeClient
// Kafka's part takes a few times longer: fewer requests keep a round within seconds.
const requests = Number(values.requests ?? (bootstrap ? 30_000 : 100_000))
/** Requests in flight at once, as the bench's json-single connections. */
const concurrency = 64

const event = benchEvent()
const body = Buffer.from(
  JSON.stringify(
    eventsPerRequest === 1 ? event : Array.from({ length: eventsPerRequest }, () => event)
  )
)

interface Tree {
  name: string
  serve: Serve
  close?(): Promise<void>
}

let topic = 'bench-inprocess'
let removeTopic = async (): Promise<void> => {}
const trees: Tree[] = []
if (bootstrap === undefined) {
  if (values.peer) trees.push({ name: 'floor (read, parse, answer)', serve: floor() })
  for (const root of roots) trees.push({ name: root, serve: await memoryFastPath(root) })
} else {
  const ctx = { bootstrap } as BenchContext
  const fresh = await freshTopic(benchKafka(ctx, 'weir-bench-inprocess'), 'inprocess')
  topic = fresh.topic
  removeTopic = fresh.remove
  if (values.peer) {
    const bridge = await bridgeProducer(client, bootstrap)
    trees.push({
      name: `naive bridge (${client}): floor + send`,
      serve: floor((values) => bridge.send(topic, values)),
      close: () => bridge.close(),
    })
  }
  for (const root of roots) {
    const weir = await kafkaFastPath(root, bootstrap, client)
    trees.push({ name: `${root} (${client})`, serve: weir.serve, close: weir.close })
  }
}

/**
 * What any server does with such a request, the floor under every tree's figure: read the body,
 * parse it, (send it,) answer 202 with a small JSON body.
 */
function floor(send?: (values: string[]) => Promise<void>): Serve {
  return (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      JSON.parse(text)
      const answer = () => {
        response.writeHead(202)
        response.end(JSON.stringify({ id: 'x', topic, partition: 0, offset: '1' }))
      }
      if (send === undefined) answer()
      else send([text]).then(answer, () => response.writeHead(500).end(''))
    })
    return true
  }
}

/** Serves `count` requests, `concurrency` at a time; resolves with the CPU µs per request. */
function run(serve: Serve, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let started = 0
    let finished = 0
    const cpu = process.cpuUsage()
    const next = (): void => {
      if (started === count) return
      started++
      const { request, response } = memoryExchange(`/topics/${topic}`, body, (status) => {
        if (status !== 202) return reject(new Error(`answered ${status}, not 202`))
        finished++
        if (finished < count) return next()
        const used = process.cpuUsage(cpu)
        resolve((used.user + used.system) / count)
      })
      if (!serve(request as MemoryRequest, response as MemoryResponse))
        reject(new Error('the fast path did not serve'))
    }
    for (let i = 0; i < concurrency; i++) next()
  })
}

try {
  for (const { serve } of trees) await run(serve, requests / 2) // warm up: compiled, caches filled
  const samples = new Map<string, number[]>(trees.map((t) => [t.name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const { name, serve } of trees) samples.get(name)?.push(await run(serve, requests))
  }
  console.log(
    `${eventsPerRequest} event(s) of ${JSON.stringify(event).length} B per request, ` +
      `${requests} requests per round, median of ${rounds} rounds:`
  )
  for (const { name } of trees) {
    const list = samples.get(name) ?? []
    const spread = list.map((v) => v.toFixed(1)).join(' ')
    console.log(`  ${percentile(list, 50).toFixed(2)} µs CPU per request  ${name}  (${spread})`)
  }
} finally {
  for (const tree of trees) await tree.close?.()
  await removeTopic()
}
