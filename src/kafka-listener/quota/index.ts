// Rate limits on the Kafka listener, as broker quotas: throttle times and a muted connection,
// charged through the one PolicyEngine.
export { fetchBytes, produceBytes, reportThrottle } from './measure.ts'
export {
  quotaFilter,
  systemClock,
  type QuotaClock,
  type QuotaFilterDeps,
  type QuotaPolicies,
} from './quota-filter.ts'
