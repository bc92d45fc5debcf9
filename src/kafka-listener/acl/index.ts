// ACLs on the Kafka listener, through the one PolicyEngine: the request filter, the ApiVersions
// cap for the APIs it refuses outright, the topic id cache it resolves ids with, and the table
// of what it does with every API.
export { Access, type AclPolicies } from './access.ts'
export { aclApiCap, aclFilter, type AclFilterDeps } from './acl-filter.ts'
export { coverage, type Coverage } from './coverage.ts'
export { deniedResponse, errorResponses, type ErrorResponseBuilder } from './responses/index.ts'
export { TopicIdNames } from './topic-id-names.ts'
