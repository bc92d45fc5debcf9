// One pino logger for the process: JSON lines for machines, pretty output when a person watches a
// terminal. Secrets never reach the log, whatever object a caller passes.
import { pino, type Logger, type LevelWithSilent } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

/** Paths pino blanks out wherever they appear (one level deep under any key, or at the top). */
export const redactedPaths = [
  'password',
  'token',
  'apiKey',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.secret',
  '*.authorization',
  '*.bearerToken',
  'passphrase',
  '*.passphrase',
  '*.keyFile',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
]

export interface LoggerOptions {
  level?: LevelWithSilent
  /** Human-readable output; defaults to whether stdout is a terminal. */
  pretty?: boolean
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? 'info',
    base: { service: 'weir' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
  }
  const wantPretty = options.pretty ?? process.stdout.isTTY === true
  return wantPretty
    ? pino(base, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l' }))
    : pino(base)
}
