// Transform policies on the Kafka listener: the filter that edits Produce records and Fetch
// responses, and the ApiVersions cap that keeps clients on versions naming their topics.
export {
  transformApiCap,
  transformFilter,
  type TransformDeps,
  type TransformPolicies,
} from './filter.ts'
