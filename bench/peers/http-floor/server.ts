// A reference for the http-produce figures, not product code and not a bridge: node:http doing
// only what every HTTP produce path must (read the body, parse the JSON, answer 202 with a small
// JSON body), and no Kafka at all. Its throughput and CPU per request are the floor a Node HTTP
// door stands on, on this machine, under the same load: what Weir spends beyond it is Weir's and
// its Kafka client's. Run by bench/peers/http-floor.ts:
//   node bench/peers/http-floor/server.ts <port>
import http from 'node:http'

const [port] = process.argv.slice(2)
if (!port) throw new Error('usage: server.ts <port>')

const reply = JSON.stringify({ offsets: [{ partition: 0, offset: '0' }] })

http
  .createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200).end()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        res.writeHead(400).end()
        return
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end(reply)
    })
  })
  .listen(Number(port), '127.0.0.1')
