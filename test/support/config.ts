// The issues a configuration is refused with, for tests of what the config schema rejects.
import { ConfigError, parseConfig, type ConfigIssue } from '../../src/config/index.ts'

/** The issues `text` is refused with; throws when the configuration is accepted. */
export function configIssuesOf(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfig(text, 'test.yaml', env)
  } catch (err) {
    if (err instanceof ConfigError) return err.issues
    throw err
  }
  throw new Error('expected the config to be rejected')
}
