// The error catalogue walked code by code: every refusal has its answer on every door (or says
// why a door has none), and each door's own mapping gives the catalogue's value.
import type { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { AuthMethod } from '../../src/config/schema/authentication.ts'
import {
  errorCatalogue,
  GatewayError,
  httpStatus,
  kafkaErrorCode,
  kafkaErrorCodes,
  wsCloseCode,
  type ErrorCode,
} from '../../src/core/errors.ts'
import { gatewayErrorReply } from '../../src/http/error-response.ts'
import {
  StreamConnection,
  type ConnectionContext,
} from '../../src/http/streams/websocket/connection.ts'
import * as aclCodes from '../../src/kafka-listener/acl/error-codes.ts'
import { saslGate } from '../../src/kafka-listener/filters/sasl-gate.ts'
import type { ConnectionState } from '../../src/kafka-listener/filters/types.ts'
import { VirtualClusterSasl } from '../../src/kafka-listener/sasl/mechanisms.ts'
import { plainMessage } from '../../src/kafka-listener/sasl/plain.ts'
import { partitionVerdict } from '../../src/kafka-listener/validation/partition.ts'
import { kafkaReason, rejectionOf } from '../../src/observability/observer.ts'
import type { RequestHeader } from '../../src/protocol/index.ts'
import { hashPassword } from '../../src/policy/index.ts'
import { saslFor } from '../kafka-listener/sasl/fixtures.ts'

const codes = Object.keys(errorCatalogue) as ErrorCode[]

/** Kafka's `Errors` enum, for the codes the catalogue names (kafka/common/protocol/Errors.java). */
const kafkaNames: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  2: 'CORRUPT_MESSAGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  7: 'REQUEST_TIMED_OUT',
  10: 'MESSAGE_TOO_LARGE',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  34: 'ILLEGAL_SASL_STATE',
  35: 'UNSUPPORTED_VERSION',
  42: 'INVALID_REQUEST',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  56: 'KAFKA_STORAGE_ERROR',
  58: 'SASL_AUTHENTICATION_FAILED',
  87: 'INVALID_RECORD',
  100: 'UNKNOWN_TOPIC_ID',
}

describe('the error catalogue', () => {
  it.each(codes)('%s has an HTTP status, a Kafka answer and a WebSocket close code', (code) => {
    const entry = errorCatalogue[code]
    expect(entry.status).toBeGreaterThanOrEqual(400)
    expect(entry.status).toBeLessThan(600)
    expect(entry.title.length).toBeGreaterThan(0)
    const kafka = kafkaErrorCode(code)
    if (kafka === undefined) {
      // No Kafka code: the entry says what the listener does instead.
      expect(entry.kafka).toEqual({ none: expect.stringMatching(/.{40}/) })
    } else {
      expect(kafkaNames[kafka]).toBeDefined()
    }
    for (const narrower of kafkaErrorCodes(code)) expect(kafkaNames[narrower]).toBeDefined()
    // RFC 6455 §7.4.1 codes an endpoint may send (1005, 1006 and 1015 are never sent).
    expect([1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1013]).toContain(wsCloseCode(code))
  })

  it('answers what Kafka itself would', () => {
    expect(kafkaErrorCode('unauthenticated')).toBe(58)
    expect(kafkaErrorCode('forbidden')).toBe(29)
    expect(kafkaErrorCode('forbidden', 'group')).toBe(30)
    expect(kafkaErrorCode('invalid-record')).toBe(87)
    // Kafka throttles (KIP-219) and closes connections over quota; it has no error for either.
    expect(kafkaErrorCode('rate-limited')).toBeUndefined()
    // Retriable everywhere; BROKER_NOT_AVAILABLE is not retriable in the Java client.
    expect(kafkaErrorCode('backend-unavailable')).toBe(7)
    // A Fetch partition it cannot read now: retried by Java, librdkafka and kafkajs consumers.
    expect(kafkaErrorCode('backend-unavailable', 'fetch')).toBe(56)
    expect(kafkaErrorCode('kms-unavailable', 'fetch')).toBe(56)
  })
})

describe('every door maps a refusal as the catalogue says', () => {
  it.each(codes)('HTTP answers %s with its status, type and title', (code) => {
    const reply = gatewayErrorReply(new GatewayError(code, 'why'))
    expect(reply.status).toBe(httpStatus(code))
    expect(reply.body).toMatchObject({
      status: httpStatus(code),
      type: `https://weir.dev/problems/${code}`,
      title: errorCatalogue[code].title,
      detail: 'why',
    })
    expect(rejectionOf(new GatewayError(code, 'why')).status).toBe(httpStatus(code))
  })

  it.each(codes)('a Kafka code of %s reads back as the same rejection reason', (code) => {
    const reason = rejectionOf(new GatewayError(code, 'why')).reason
    for (const kafka of kafkaErrorCodes(code)) expect(kafkaReason(kafka)).toBe(reason)
  })

  it.each(codes)('Kafka Produce validation answers %s with the catalogue code', (code) => {
    const verdict = partitionVerdict({
      ok: false,
      error: new GatewayError(code, 'why'),
      recordErrors: [],
    })
    expect(verdict).toMatchObject({ ok: false, message: 'why' })
    expect(verdict.ok ? 0 : verdict.code).toBe(kafkaErrorCode(code) ?? kafkaErrorCode('internal'))
  })

  it('the ACL filter answers with the catalogue codes', () => {
    expect(aclCodes).toMatchObject({
      TOPIC_AUTHORIZATION_FAILED: kafkaErrorCode('forbidden'),
      GROUP_AUTHORIZATION_FAILED: kafkaErrorCode('forbidden', 'group'),
      CLUSTER_AUTHORIZATION_FAILED: kafkaErrorCode('forbidden', 'cluster'),
      TRANSACTIONAL_ID_AUTHORIZATION_FAILED: kafkaErrorCode('forbidden', 'transactional-id'),
      UNKNOWN_TOPIC_OR_PARTITION: kafkaErrorCode('not-found'),
      UNKNOWN_TOPIC_ID: kafkaErrorCode('not-found', 'topic-id'),
    })
  })

  it('the SASL gate answers unauthenticated clients with the catalogue codes', async () => {
    const methods = [
      AuthMethod.parse({
        kind: 'basic',
        users: [
          {
            username: 'alice',
            passwordHash: await hashPassword('pw', { N: 1024, r: 8, p: 1 }),
          },
        ],
      }),
    ]
    const gate = saslGate(new VirtualClusterSasl(methods, saslFor(methods)))
    const context = {
      state: { principal: undefined, scratch: new Map() } satisfies ConnectionState,
    } as Parameters<typeof gate.onRequest>[2]
    const header = (apiKey: number) =>
      ({ requestApiKey: apiKey, requestApiVersion: 1, correlationId: 1 }) as RequestHeader
    const answer = async (apiKey: number, body: unknown) =>
      ((await gate.onRequest(body, header(apiKey), context)) as { body: { errorCode: number } })
        .body.errorCode

    expect(await answer(36, { authBytes: plainMessage('alice', 'pw') })).toBe(
      kafkaErrorCode('unauthenticated', 'sasl-state')
    )
    expect(await answer(17, { mechanism: 'GSSAPI' })).toBe(
      kafkaErrorCode('unauthenticated', 'mechanism')
    )
    expect(await answer(17, { mechanism: 'PLAIN' })).toBe(0)
    expect(await answer(36, { authBytes: plainMessage('alice', 'wrong') })).toBe(
      kafkaErrorCode('unauthenticated')
    )
  })

  it.each([
    ['unsupported-media-type', Buffer.from('{"type":"ack"}'), true],
    ['bad-request', Buffer.from('{not json'), false],
    ['bad-request', Buffer.from('{"type":"dance"}'), false],
  ] as const)(
    'WebSocket closes a connection refused as %s with its close code',
    (code, data, isBinary) => {
      const { ws, handlers, closed } = fakeSocket()
      new StreamConnection(ws, { onClose: () => undefined } as unknown as ConnectionContext)
      handlers.get('message')?.(data, isBinary)
      expect(closed).toEqual([wsCloseCode(code)])
    }
  )

  it.each([
    ['overflow', 'overloaded'],
    ['failed', 'not-found'],
    ['failed', 'backend-unavailable'],
    ['failed', 'internal'],
  ] as const)(
    'WebSocket closes a stream session ended (%s) as %s with its close code',
    async (kind, code) => {
      const { ws, closed } = fakeSocket()
      const session = {
        topics: ['t'],
        take: () => undefined,
        ended: { kind, error: new GatewayError(code, 'why') },
        onWake: () => undefined,
        close: async () => undefined,
      }
      const context = {
        service: { open: async () => session },
        endpoint: { name: 's', config: { delivery: 'at-most-once' } },
        principal: { name: 'p' },
        topics: ['t'],
        onClose: () => undefined,
      }
      const connection = new StreamConnection(ws, context as unknown as ConnectionContext)
      await connection.start({ topics: ['t'] })
      expect(closed).toEqual([wsCloseCode(code)])
    }
  )
})

/** Just enough of a ws socket to see how a connection closes it. */
function fakeSocket() {
  const handlers = new Map<string, (...args: unknown[]) => void>()
  const closed: number[] = []
  const ws = {
    OPEN: 1,
    readyState: 1,
    on(event: string, handler: (...args: unknown[]) => void) {
      handlers.set(event, handler)
      return ws
    },
    close: (code: number) => closed.push(code),
    send: () => undefined,
  }
  return { ws: ws as unknown as WebSocket, handlers, closed }
}
