export { loadConfigFile, parseConfig } from './load.ts'
export { ConfigError, formatIssue, type ConfigIssue } from './issues.ts'
export type * from './schema/index.ts'
