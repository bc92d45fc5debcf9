// @platformatic/kafka's errors in the client port's vocabulary (see ../client/port.ts): the Kafka
// error name in `type`, and the names ../producer/errors.ts tells apart (a connection that failed,
// a request that timed out). The library nests a broker's answer inside aggregates (`errors`) and
// causes; the first error naming a Kafka error code, else the first network or timeout error, is
// what the port reports.

/**
 * An error of this adapter: `type` is the Kafka error name, when the brokers gave one. It is the
 * innermost error (what the port's readers look at), so the library's own is kept aside, in
 * `libraryError`, not as its `cause`.
 */
export class PlatformaticKafkaError extends Error {
  readonly type: string | undefined
  readonly libraryError: unknown

  constructor(name: string, message: string, type: string | undefined, libraryError: unknown) {
    super(message)
    this.name = name
    this.type = type
    this.libraryError = libraryError
  }
}

interface LibraryError extends Error {
  code?: string
  apiId?: string
  errors?: unknown[]
}

/** Every error `err` holds, depth first: itself, its aggregated errors, its causes. */
function* nested(err: unknown, depth = 0): Generator<LibraryError> {
  if (!(err instanceof Error) || depth > 8) return
  const error = err as LibraryError
  yield error
  for (const inner of error.errors ?? []) yield* nested(inner, depth + 1)
  yield* nested(error.cause, depth + 1)
}

export function toPortError(err: unknown): Error {
  if (err instanceof PlatformaticKafkaError) return err
  const all = [...nested(err)]
  const protocol = all.find((e) => typeof e.apiId === 'string')
  // The library answers a topic missing from the metadata with an error of its own, the broker's
  // UNKNOWN_TOPIC_OR_PARTITION left out.
  const unknownTopic = all.find(
    (e) => e.code === 'PLT_KFK_USER' && /^Unknown topic /.test(e.message)
  )
  if (unknownTopic) {
    return new PlatformaticKafkaError(
      'KafkaJSProtocolError',
      unknownTopic.message,
      'UNKNOWN_TOPIC_OR_PARTITION',
      err
    )
  }
  if (protocol)
    return new PlatformaticKafkaError('KafkaJSProtocolError', protocol.message, protocol.apiId, err)
  // The port's names for these two come from kafkajs, its first adapter.
  const timeout = all.find((e) => e.name === 'TimeoutError' || /timed? ?out/i.test(e.message))
  if (timeout)
    return new PlatformaticKafkaError('KafkaJSRequestTimeoutError', timeout.message, undefined, err)
  const network = all.find((e) => e.code === 'PLT_KFK_NETWORK' || 'errno' in e)
  if (network)
    return new PlatformaticKafkaError('KafkaJSConnectionError', network.message, undefined, err)
  return err instanceof Error ? err : new Error(String(err))
}
