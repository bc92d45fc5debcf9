// Rate limits on the Kafka listener, as broker quotas: throttle times and a muted connection,
// charged through the one PolicyEngine; and connection limits, counted once a client is in.
export { connectionLimitFilter, type ConnectionPolicies } from './connection-limit-filter.ts'
export { fetchBytes, produceBytes, reportThrottle } from './measure.ts'
export {
  quotaFilter,
  systemClock,
  type QuotaClock,
  type QuotaFilterDeps,
  type QuotaPolicies,
} from './quota-filter.ts'
