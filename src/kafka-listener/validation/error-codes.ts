// The Kafka error codes schema validation answers with (Kafka's `Errors` enum). Refusals the
// engine decides come through the error catalogue; the two below are the listener's own.
import { errorCatalogue } from '../../core/errors.ts'

/** Not retriable: nothing the client can fix (a schema registry that refuses Weir, say). */
export const UNKNOWN_SERVER_ERROR = errorCatalogue.internal.kafka
/** Kafka's code for records a broker's validation rejects (with recordErrors, KIP-467). */
export const INVALID_RECORD = errorCatalogue['invalid-record'].kafka
/** Records that cannot be read (a bad CRC, a batch cut short), as a broker answers them. */
export const CORRUPT_MESSAGE = 2
/**
 * The answer while the schema registry is down and the schema ids are not cached: nothing was
 * written, and every client retries it (Java's TimeoutException is retriable and, unlike
 * NOT_LEADER_OR_FOLLOWER or KAFKA_STORAGE_ERROR, sends no client off to refresh its metadata
 * or blames a broker). Retried, it succeeds once the registry answers.
 */
export const REQUEST_TIMED_OUT = 7
