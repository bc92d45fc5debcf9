// Routes Node's process warnings into the log, minus one known-harmless warning.
//
// kafkajs 2.2.4 schedules its request-queue check with `throttledUntil - Date.now()` even when it
// is not throttled (throttledUntil = -1), a large negative delay. Node 24 clamps it to 1 ms, as
// older Node did silently, and prints TimeoutNegativeWarning on every new broker connection.
import type { Logger } from './logger.ts'

export function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning')
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return
    logger.warn({ warning: { name: warning.name, message: warning.message } }, 'process warning')
  })
}
