// @platformatic/kafka's own error classes, as the library nests them, read through the port's
// names: the producer's error mapping (../../../src/kafka/producer/errors.ts) then answers the
// same catalogue code as for kafkajs.
import {
  MultipleErrors,
  NetworkError,
  ProtocolError,
  TimeoutError,
  UserError,
} from '@platformatic/kafka'
import { describe, expect, it } from 'vitest'
import { ProduceFailure } from '../../../src/kafka/client/port.ts'
import { toPortError } from '../../../src/kafka/platformatic/errors.ts'
import { toGatewayError } from '../../../src/kafka/producer/errors.ts'

const answered = (libraryError: Error) =>
  toGatewayError(new ProduceFailure(toPortError(libraryError), true), 'main')

describe('the @platformatic/kafka adapter errors', () => {
  it('names the broker error inside the library aggregate (refused by ACLs: forbidden)', () => {
    const nested = new MultipleErrors('Producing messages failed.', [
      new MultipleErrors('Received response with error while executing API Produce(v11)', [
        new ProtocolError('TOPIC_AUTHORIZATION_FAILED'),
      ]),
    ])
    expect(answered(nested)).toMatchObject({
      code: 'forbidden',
      detail: expect.stringContaining('(TOPIC_AUTHORIZATION_FAILED)'),
    })
  })

  it('reads the library own "Unknown topic" as UNKNOWN_TOPIC_OR_PARTITION (not found)', () => {
    expect(answered(new UserError('Unknown topic orders.'))).toMatchObject({
      code: 'not-found',
      detail: 'the topic or partition does not exist (UNKNOWN_TOPIC_OR_PARTITION)',
    })
  })

  it('answers a request timeout as backend-timeout, a lost connection as backend-unavailable', () => {
    const timeout = new MultipleErrors('Producing messages failed.', [
      new TimeoutError('Request timed out after 1500 ms'),
    ])
    expect(answered(timeout)).toMatchObject({ code: 'backend-timeout' })
    const network = new MultipleErrors('Producing messages failed.', [
      new NetworkError('Connection to 127.0.0.1:9092 failed.'),
    ])
    expect(answered(network)).toMatchObject({
      code: 'backend-unavailable',
      detail: 'backend cluster "main" is unavailable: Connection to 127.0.0.1:9092 failed.',
    })
  })
})
