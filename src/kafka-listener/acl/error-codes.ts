// The Kafka error codes the ACL filter answers with (Kafka's `Errors` enum).
export const UNKNOWN_TOPIC_OR_PARTITION = 3
export const TOPIC_AUTHORIZATION_FAILED = 29
export const GROUP_AUTHORIZATION_FAILED = 30
export const CLUSTER_AUTHORIZATION_FAILED = 31
export const TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
/** Kafka's answer for the rest of an all-or-nothing request that one refused part stopped. */
export const OPERATION_NOT_ATTEMPTED = 55
export const UNKNOWN_TOPIC_ID = 100

/** `authorizedOperations` when the client did not ask for them (Kafka's Integer.MIN_VALUE). */
export const NO_AUTHORIZED_OPERATIONS = -2147483648
