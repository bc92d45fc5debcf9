export {
  loadConfigDocument,
  loadConfigFile,
  parseConfig,
  parseConfigDocument,
  validateConfigObject,
  type ConfigDocument,
} from './load.ts'
export { ConfigError, formatIssue, type ConfigIssue } from './issues.ts'
export type * from './schema/index.ts'
export { servedVirtualClusters } from './served-clusters.ts'
