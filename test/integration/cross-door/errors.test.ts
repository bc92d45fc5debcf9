// One refusal, one answer per door, as the error catalogue says: a client without valid
// credentials and a principal no ACL lets in, against HTTP produce, request-reply, views,
// WebSocket, SSE, long-poll, Kafka Produce and Kafka Fetch. Expectations come from the catalogue
// (httpStatus, kafkaErrorCode), so a door with its own table for a refusal fails here.
import { beforeAll, describe, expect, it } from 'vitest'
import { httpStatus, kafkaErrorCode, type ErrorCode } from '../../../src/core/errors.ts'
import { hashPassword } from '../../../src/policy/secrets.ts'
import { apis } from '../../../src/protocol/index.ts'
import { WireClient } from '../../kafka-listener/support/wire-client.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic } from '../../support/kafka.ts'
import { freePortRange } from '../../support/ports.ts'
import { httpDoors, kafkaFetch, kafkaLogin, kafkaProduce, streamingDoors } from './doors.ts'

/** `member` may use every topic; `stranger` is known but granted nothing; `nobody` is unknown. */
const refusals: [refusal: ErrorCode, user: string][] = [
  ['unauthenticated', 'nobody'],
  ['forbidden', 'stranger'],
]

describe('every door answers a refusal as the error catalogue says', () => {
  let url = ''
  let kafkaPort = 0
  const topics = { a: '', replies: '', items: '' }
  beforeAll(async () => {
    topics.a = await createTopic('errors-a')
    topics.replies = await createTopic('errors-replies')
    topics.items = await createTopic('errors-items', 1, { 'cleanup.policy': 'compact' })
    kafkaPort = await freePortRange(3)
    const users = await Promise.all(
      ['member', 'stranger'].map(
        async (u) =>
          `          - { username: ${u}, passwordHash: '${await hashPassword(`${u}-password`)}' }`
      )
    )
    ;({ url } = await startTestGateway(`virtualClusters:
  - name: shop
    backendCluster: main
    authentication:
      - kind: basic
        users:
${users.join('\n')}
    policies: [members]
policies:
  - name: members
    kind: acl
    rules:
      - { principals: [member], names: ['*'], operations: [produce, consume] }
      - { principals: [member], resource: group, names: ['*'], operations: [consume] }
listeners:
  - name: public
    kind: http
    port: 0
    topicsEndpoint: { virtualCluster: shop, allowed: ['*'] }
    requests: { secret: cross-door-errors-secret-0123456789abcdef, maxWaitMs: 1000 }
    routes:
      - { path: /orders, virtualCluster: shop, topic: ${topics.a}, reply: { topic: ${topics.replies} } }
    streams:
      - { path: /streams/a, virtualCluster: shop, topics: [${topics.a}], longPoll: { keepMs: 1000 } }
    views:
      - { name: items, virtualCluster: shop, topic: ${topics.items}, maxWaitMs: 1000 }
  - name: kafka
    kind: kafka
    virtualCluster: shop
    port: ${kafkaPort}
`))
    // Ready once the view has read its topic: a view still loading would answer 503.
    const deadline = Date.now() + 30_000
    while (!(await fetch(`${url}/readyz`)).ok) {
      if (Date.now() > deadline) throw new Error('the gateway did not become ready')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })

  /** The door's answer to `user`: an HTTP status, or a Kafka error code. */
  const http = async (answer: Promise<{ status: number; contentType: string | null }>) => {
    const { status, contentType } = await answer
    // Every HTTP refusal is problem+json.
    return status >= 400 && contentType?.includes('application/problem+json') ? status : -status
  }
  const held = async (open: Promise<{ refused: number; close(): void }>) => {
    const connection = await open
    connection.close()
    return connection.refused
  }
  /** A Kafka client's answer: SaslAuthenticate's error, else the request's. */
  const kafka = (request: typeof kafkaProduce) => async (user: string) => {
    const probe = await WireClient.connect(kafkaPort)
    try {
      await probe.roundTrip(apis.saslHandshake, 1, { mechanism: 'PLAIN' })
      const auth = await probe.roundTrip(apis.saslAuthenticate, 2, {
        authBytes: Buffer.from(`\u0000${user}\u0000${user}-password`),
      })
      if (auth.body.errorCode !== 0) return auth.body.errorCode
    } finally {
      probe.destroy()
    }
    const client = await kafkaLogin(kafkaPort, user)
    try {
      return (await request(client, topics.a)).errorCode
    } finally {
      client.destroy()
    }
  }

  type Door = [door: string, ask: (user: string) => Promise<number>, expected: typeof httpStatus]
  const doors: Door[] = [
    ['HTTP produce', (u) => http(httpDoors.produce(url, u, topics.a)), httpStatus],
    ['request-reply', (u) => http(httpDoors.requestReply(url, u, '/orders')), httpStatus],
    ['views', (u) => http(httpDoors.view(url, u, 'items')), httpStatus],
    ['WebSocket', (u) => held(streamingDoors.websocket(url, u, '/streams/a')), httpStatus],
    ['SSE', (u) => held(streamingDoors.sse(url, u, '/streams/a')), httpStatus],
    ['long-poll', (u) => http(httpDoors.longPoll(url, u, '/streams/a')), httpStatus],
    ['Kafka Produce', kafka(kafkaProduce), (code) => kafkaErrorCode(code) ?? 0],
    ['Kafka Fetch', kafka(kafkaFetch), (code) => kafkaErrorCode(code) ?? 0],
  ]
  const cases = doors.flatMap(([door, ask, expected]) =>
    refusals.map(([refusal, user]) => [door, refusal, user, ask, expected] as const)
  )

  it.each(cases)('%s: %s', async (_door, refusal, user, ask, expected) => {
    expect(await ask(user)).toBe(expected(refusal))
  })

  it.each(doors)('%s lets a member in', async (_door, ask, expected) => {
    // Not refused: views answer 404 for the missing key, HTTP produce 202, a stream 0 (held).
    const answer = await ask('member')
    for (const [refusal] of refusals) expect(answer).not.toBe(expected(refusal))
  })
})
