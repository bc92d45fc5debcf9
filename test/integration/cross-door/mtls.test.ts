// A client certificate is a principal on every door. One virtual cluster authenticates by `mtls`
// only; its ACL lets the certificate's CN (`weir-client`) in and nobody else. Over an https
// listener with `clientCaFile` (curl for HTTP, `ws` for WebSocket) and the Kafka listener:
// the certificate is accepted as its principal; the same CA's certificate for another CN is
// that principal, refused by the ACL (403); no certificate, or one from another CA with the
// same CN, is no principal at all (401).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issue, stackTls } from '../../../scripts/local-stack/tls.ts'
import { curl, type CurlAnswer } from '../../support/curl.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { connectWs, wsUrl } from '../../support/stream-clients.ts'

type Outcome = 'accepted' | 'forbidden' | 'unauthenticated'

interface Identity {
  name: string
  /** Which CA's folder and which certificate; none: no certificate. */
  cert?: { ca: keyof typeof dirs; file: 'client' | 'stranger' }
  expected: Outcome
}

interface Door {
  name: string
  /** What the door answered `who`; `principal` when the door greets with it. */
  call(who: Identity): Promise<{ outcome: Outcome | string; principal?: string }>
  /** The door's first message names the principal (streams and reply push). */
  greets?: boolean
}

const dirs = { ours: '', theirs: '' }
const topics = { events: '', requests: '', replies: '', products: '' }
let url = ''
let strictUrl = ''
let kafkaPort = 0
let ca = ''

const identities: Identity[] = [
  {
    name: 'the certificate of weir-client',
    cert: { ca: 'ours', file: 'client' },
    expected: 'accepted',
  },
  {
    name: 'a certificate of the same CA for another CN',
    cert: { ca: 'ours', file: 'stranger' },
    expected: 'forbidden',
  },
  { name: 'no certificate', expected: 'unauthenticated' },
  {
    name: 'a weir-client certificate from another CA',
    cert: { ca: 'theirs', file: 'client' },
    expected: 'unauthenticated',
  },
]

/** The identity's certificate and key files. */
function certFiles(who: Identity): { cert: string; key: string } | undefined {
  if (who.cert === undefined) return undefined
  const dir = dirs[who.cert.ca]
  return {
    cert: path.join(dir, `${who.cert.file}.crt`),
    key: path.join(dir, `${who.cert.file}.key`),
  }
}

/** An HTTP answer as an outcome; a refusal must be problem+json. */
function outcomeOf(answer: CurlAnswer): Outcome | string {
  if (answer.status >= 200 && answer.status < 300) return 'accepted'
  const problem = answer.headers['content-type'] === 'application/problem+json'
  if (answer.status === 401 && problem) return 'unauthenticated'
  if (answer.status === 403 && problem) return 'forbidden'
  return `HTTP ${answer.status} ${answer.body} ${answer.stderr}`.trim()
}

const tlsOf = (who: Identity) => ({ cacert: path.join(dirs.ours, 'ca.crt'), ...certFiles(who) })

const post = (who: Identity, target: string, headers: Record<string, string> = {}) =>
  curl(`${url}${target}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"n":1}',
    tls: tlsOf(who),
  })

/** A streaming GET read up to its greeting (`event: ready`), which names the principal. */
async function sse(who: Identity, target: string) {
  const answer = await curl(`${url}${target}`, {
    headers: { accept: 'text/event-stream' },
    tls: tlsOf(who),
    until: (body) => /event: ready\ndata: .*\n\n/.test(body),
  })
  const ready = /event: ready\ndata: (.*)\n/.exec(answer.body)?.[1]
  const principal = ready ? (JSON.parse(ready) as { principal: string }).principal : undefined
  return { outcome: outcomeOf(answer), principal }
}

/** The identity's certificate and key as PEM text, for node clients. */
function pem(who: Identity): { cert: string; key: string } | undefined {
  const files = certFiles(who)
  return files && { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') }
}

async function websocket(who: Identity, target: string) {
  const tls = { ca, ...pem(who) }
  try {
    const client = await connectWs(wsUrl(url, target), { tls })
    const greeting = await client.frames.next(() => true)
    client.ws.close()
    return { outcome: 'accepted', principal: greeting.principal as string }
  } catch (err) {
    const { status, body } = err as { status?: number; body?: { status?: number } }
    if (status === 401 && body?.status === 401) return { outcome: 'unauthenticated' }
    if (status === 403 && body?.status === 403) return { outcome: 'forbidden' }
    throw err
  }
}

/** A request id of weir-client's, for the reply fetch. */
let requestId: string | undefined
async function ownRequest(): Promise<string> {
  if (requestId !== undefined) return requestId
  const answer = await post(identities[0] as Identity, '/orders', { prefer: 'respond-async' })
  expect(answer.status, answer.body).toBe(202)
  requestId = answer.headers.location ?? ''
  return requestId
}

async function kafkaProduce(who: Identity) {
  const kafka = new Kafka({
    clientId: 'mtls-cross-door',
    brokers: [`127.0.0.1:${kafkaPort}`],
    ssl: { ca: [ca], ...pem(who) },
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  })
  const producer = kafka.producer()
  try {
    await producer.connect()
    await producer.send({ topic: topics.events, messages: [{ value: 'by certificate' }] })
    return { outcome: 'accepted' }
  } catch (err) {
    const error = err as { type?: string; name?: string; cause?: { type?: string; name?: string } }
    if ((error.cause?.type ?? error.type) === 'TOPIC_AUTHORIZATION_FAILED') {
      return { outcome: 'forbidden' }
    }
    // The listener ends the connection of a client that has not authenticated (after
    // ApiVersions, which it answers to anyone).
    if ((error.cause?.name ?? error.name) === 'KafkaJSConnectionClosedError') {
      return { outcome: 'unauthenticated' }
    }
    return { outcome: `${error.name} (${error.cause?.name}): ${String(err)}` }
  } finally {
    await producer.disconnect()
  }
}

const doors: Door[] = [
  {
    name: 'HTTP produce (topics endpoint)',
    call: async (who) => ({ outcome: outcomeOf(await post(who, `/topics/${topics.events}`)) }),
  },
  {
    name: 'HTTP produce (route)',
    call: async (who) => ({ outcome: outcomeOf(await post(who, '/events')) }),
  },
  {
    name: 'request-reply request',
    call: async (who) => ({
      outcome: outcomeOf(await post(who, '/orders', { prefer: 'respond-async' })),
    }),
  },
  {
    name: 'reply fetch',
    call: async (who) => ({
      outcome: outcomeOf(
        await curl(`${url}${await ownRequest()}`, {
          headers: { prefer: 'wait=0' },
          tls: tlsOf(who),
        })
      ),
    }),
  },
  { name: 'reply push (SSE)', call: (who) => sse(who, '/requests'), greets: true },
  { name: 'reply push (WebSocket)', call: (who) => websocket(who, '/requests'), greets: true },
  {
    name: 'view',
    call: async (who) => ({
      outcome: outcomeOf(await curl(`${url}/views/products`, { tls: tlsOf(who) })),
    }),
  },
  {
    name: 'WebSocket stream',
    call: (who) => websocket(who, `/streams/${topics.events}`),
    greets: true,
  },
  { name: 'SSE stream', call: (who) => sse(who, `/streams/${topics.events}`), greets: true },
  {
    name: 'long-poll',
    call: async (who) => ({
      outcome: outcomeOf(await curl(`${url}/streams/${topics.events}?wait=0`, { tls: tlsOf(who) })),
    }),
  },
  { name: 'Kafka Produce', call: kafkaProduce },
]

describe('a client certificate on every door', () => {
  afterAll(() => {
    for (const dir of Object.values(dirs)) if (dir) rmSync(dir, { recursive: true, force: true })
  })

  beforeAll(async () => {
    dirs.ours = mkdtempSync(path.join(tmpdir(), 'weir-mtls-ours-'))
    dirs.theirs = mkdtempSync(path.join(tmpdir(), 'weir-mtls-theirs-'))
    // A CA with a server certificate for 127.0.0.1 and a client one for CN=weir-client; the
    // other CA issues a client certificate with the very same subject.
    stackTls(dirs.ours)
    stackTls(dirs.theirs)
    issue(dirs.ours, 'stranger', '/CN=stranger/O=Weir', 'extendedKeyUsage=clientAuth\n')
    ca = readFileSync(path.join(dirs.ours, 'ca.crt'), 'utf8')
    topics.events = await createTopic('mtls-events')
    topics.requests = await createTopic('mtls-requests')
    topics.replies = await createTopic('mtls-replies')
    topics.products = await createTopic('mtls-products', 1, { 'cleanup.policy': 'compact' })
    kafkaPort = await freePortRange(3)
    const tls = `{ certFile: ${dirs.ours}/broker.crt, keyFile: ${dirs.ours}/broker.key, clientCaFile: ${dirs.ours}/ca.crt }`
    const started = await startTestGateway(`virtualClusters:
  - name: certs
    backendCluster: main
    authentication:
      - kind: mtls
    policies: [by-cert]
policies:
  - name: by-cert
    kind: acl
    rules:
      - { principals: [weir-client], names: ['${Object.values(topics).join("', '")}'], operations: [produce, consume, describe] }
      - { principals: [weir-client], resource: group, names: ['*'], operations: [consume, describe] }
listeners:
  - name: public
    kind: http
    port: 0
    tls: ${tls}
    topicsEndpoint: { virtualCluster: certs, allowed: ['*'] }
    requests: { secret: mtls-test-secret-0123456789abcdef, maxWaitMs: 1000 }
    routes:
      - { path: /events, virtualCluster: certs, topic: ${topics.events} }
      - { path: /orders, virtualCluster: certs, topic: ${topics.requests}, reply: { topic: ${topics.replies} } }
    views:
      - { name: products, virtualCluster: certs, topic: ${topics.products} }
    streams:
      - path: /streams/{topic}
        virtualCluster: certs
        topics: { from: path, name: topic, allowed: ['*'] }
  - name: strict
    kind: http
    port: 0
    tls: { certFile: ${dirs.ours}/broker.crt, keyFile: ${dirs.ours}/broker.key, clientCaFile: ${dirs.ours}/ca.crt, requireClientCert: true }
    topicsEndpoint: { virtualCluster: certs, allowed: ['*'] }
  - name: kafka
    kind: kafka
    virtualCluster: certs
    port: ${kafkaPort}
    tls: ${tls}
`)
    url = started.url
    strictUrl = started.gateway.listeners.find((l) => l.name === 'strict')?.url ?? ''
    expect(url).toMatch(/^https:/)
    // Views answer once they have read their topic.
    const deadline = Date.now() + 30_000
    for (;;) {
      const ready = await curl(`${url}/readyz`, { tls: tlsOf({ name: '', expected: 'accepted' }) })
      if (ready.status === 200) break
      if (Date.now() > deadline) throw new Error(`not ready: ${ready.status} ${ready.body}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })

  it('with requireClientCert, a connection without a valid certificate ends in the handshake', async () => {
    const produce = (who: Identity) =>
      curl(`${strictUrl}/topics/${topics.events}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":1}',
        tls: tlsOf(who),
      })
    const [client, , none, foreign] = identities as [Identity, Identity, Identity, Identity]
    expect((await produce(client)).status).toBe(202)
    for (const who of [none, foreign]) {
      const refused = await produce(who)
      expect(refused.status, who.name).toBe(0)
      // No HTTP answer at all: the handshake failed (35), or under TLS 1.3, where the client's
      // side of the handshake ends first, the connection closed with an alert (56) or without (52).
      expect([35, 52, 56], `${who.name}: ${refused.stderr}`).toContain(refused.exitCode)
    }
  })

  for (const door of doors) {
    describe(door.name, () => {
      it.each(identities.map((who) => [who.name, who] as const))('%s', async (_, who) => {
        const { outcome, principal } = await door.call(who)
        expect(outcome).toBe(who.expected)
        if (door.greets && outcome === 'accepted') expect(principal).toBe('weir-client')
      })
    })
  }
})
