// A peer for the http-produce bench, not product code: the HTTP-to-Kafka bridge anyone writes in
// an afternoon, so Weir's HTTP figures sit beside a bridge that does nothing but forward. node:http
// and a producer (acks=all, the client's defaults otherwise) on kafkajs or @platformatic/kafka
// (producers.ts); no auth, no schema, no limits, no metrics or logs. POST /topics/{topic} takes
// one JSON event or a JSON array of events, one record each, and answers 202 once Kafka
// acknowledged them. Requests arriving within 2 ms of each other are sent together (the bridge
// of issue 19: without a linger, each request would be a Produce request of its own; set
// WEIR_BENCH_BRIDGE_LINGER_MS=0 to see that). Run by bench/peers/naive-bridge.ts:
//   node bench/peers/naive-bridge/server.ts <bootstrap> <port> [kafkajs|platformatic]
import http from 'node:http'
import { bridgeProducer, type BridgeClient } from './producers.ts'

const [bootstrap, port, client = 'kafkajs'] = process.argv.slice(2)
if (!bootstrap || !port || (client !== 'kafkajs' && client !== 'platformatic'))
  throw new Error('usage: server.ts <bootstrap> <port> [kafkajs|platformatic]')

const producer = await bridgeProducer(client as BridgeClient, bootstrap)

function answer(res: http.ServerResponse, status: number, text = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text)
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') return answer(res, 200)
  const topic = /^\/topics\/([^/?]+)$/.exec(req.url ?? '')?.[1]
  if (req.method !== 'POST' || topic === undefined) return answer(res, 404)
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return answer(res, 400, 'not JSON')
    }
    const events = Array.isArray(body) ? body : [body]
    producer
      .send(
        topic,
        events.map((event) => JSON.stringify(event))
      )
      .then(
        () => answer(res, 202),
        (err: unknown) => answer(res, 500, String(err))
      )
  })
})
server.listen(Number(port), '127.0.0.1')

process.once('SIGTERM', () => {
  server.close()
  // The bench stops the bridge once its load is over: nothing waits in a linger any more.
  void producer.close().finally(() => process.exit(0))
})
