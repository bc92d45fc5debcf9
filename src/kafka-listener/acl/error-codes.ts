// The Kafka error codes the ACL filter answers with (Kafka's `Errors` enum), as the error
// catalogue gives them; the last two are the listener's own (no refusal of Weir's stands for them).
import { errorCatalogue } from '../../core/errors.ts'

const { forbidden, 'not-found': notFound } = errorCatalogue
export const UNKNOWN_TOPIC_OR_PARTITION: number = notFound.kafka
export const TOPIC_AUTHORIZATION_FAILED: number = forbidden.kafka
export const GROUP_AUTHORIZATION_FAILED: number = forbidden.kafkaFor.group
export const CLUSTER_AUTHORIZATION_FAILED: number = forbidden.kafkaFor.cluster
export const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: number = forbidden.kafkaFor['transactional-id']
export const UNKNOWN_TOPIC_ID: number = notFound.kafkaFor['topic-id']
/** Kafka's answer for the rest of an all-or-nothing request that one refused part stopped. */
export const OPERATION_NOT_ATTEMPTED = 55

/** `authorizedOperations` when the client did not ask for them (Kafka's Integer.MIN_VALUE). */
export const NO_AUTHORIZED_OPERATIONS = -2147483648
