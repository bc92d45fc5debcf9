// The Kafka error codes schema validation answers with (Kafka's `Errors` enum), as the error
// catalogue gives them. Refusals the engine decides map through `kafkaErrorCode` (partition.ts).
import { errorCatalogue } from '../../core/errors.ts'

/** Not retriable: nothing the client can fix (a schema registry that refuses Weir, say). */
export const UNKNOWN_SERVER_ERROR: number = errorCatalogue.internal.kafka
/** Kafka's code for records a broker's validation rejects (with recordErrors, KIP-467). */
export const INVALID_RECORD: number = errorCatalogue['invalid-record'].kafka
/** Records that cannot be read (a bad CRC, a batch cut short), as a broker answers them. */
export const CORRUPT_MESSAGE: number = errorCatalogue['bad-request'].kafkaFor.records
/**
 * The answer while the schema registry is down and the schema ids are not cached: nothing was
 * written, and every client retries it (see `backend-unavailable` in the catalogue). Retried,
 * it succeeds once the registry answers.
 */
export const REQUEST_TIMED_OUT: number = errorCatalogue['backend-unavailable'].kafka
