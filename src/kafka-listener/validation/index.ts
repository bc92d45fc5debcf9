// Schema policies on the Kafka listener: the Produce filter that checks records against them, and
// the ApiVersions cap that keeps clients on Produce versions naming their topics.
export type { SchemaValidationDeps } from './deps.ts'
export { schemaValidationApiCap, schemaValidationFilter } from './filter.ts'
export {
  CORRUPT_MESSAGE,
  INVALID_RECORD,
  REQUEST_TIMED_OUT,
  UNKNOWN_SERVER_ERROR,
} from './error-codes.ts'
