// A peer for the http-produce bench, not product code: the HTTP-to-Kafka bridge anyone writes in
// an afternoon, so Weir's HTTP figures sit beside a bridge that does nothing but forward. node:http
// and a kafkajs producer (acks=all, Kafka's client defaults otherwise); no auth, no schema, no
// limits, no metrics or logs. POST /topics/{topic} takes one JSON event or a JSON array of events,
// one record each, and answers 202 once Kafka acknowledged them. kafkajs has no linger of its own,
// so requests arriving within 2 ms of each other are sent together (bench/linger.ts; the linger
// Weir's default producer has too). Run by bench/peers/naive-bridge.ts:
//   node bench/peers/naive-bridge/server.ts <bootstrap> <port>
import http from 'node:http'
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs'
import { hideKafkaJsTimerWarning } from '../../../scripts/local-stack/warnings.ts'
import { lingering } from '../../linger.ts'

const lingerMs = 2

const [bootstrap, port] = process.argv.slice(2)
if (!bootstrap || !port) throw new Error('usage: server.ts <bootstrap> <port>')

hideKafkaJsTimerWarning()
const kafka = new Kafka({ clientId: 'naive-bridge', brokers: [bootstrap], logLevel: logLevel.WARN })
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
await producer.connect()

function answer(res: http.ServerResponse, status: number, text = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text)
}

/** A linger per topic: the requests' records that arrive within 2 ms go in one send(). */
const senders = new Map<string, (messages: Message[]) => Promise<void>>()
function sender(topic: string): (messages: Message[]) => Promise<void> {
  let send = senders.get(topic)
  if (!send) {
    send = lingering<Message[]>(lingerMs, (batches) =>
      producer.send({ topic, acks: -1, messages: batches.flat() })
    )
    senders.set(topic, send)
  }
  return send
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
    const messages = events.map((event) => ({ value: JSON.stringify(event) }))
    sender(topic)(messages).then(
      () => answer(res, 202),
      (err: unknown) => answer(res, 500, String(err))
    )
  })
})
server.listen(Number(port), '127.0.0.1')

process.once('SIGTERM', () => {
  server.close()
  // The bench stops the bridge once its load is over: nothing waits in a linger any more.
  void producer.disconnect().finally(() => process.exit(0))
})
