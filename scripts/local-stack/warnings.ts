// kafkajs 2.2.4 sets a negative timer delay on every connection, and Node 24 prints a
// TimeoutNegativeWarning for it (harmless: it was always clamped to 1 ms). Keep other warnings.
export function hideKafkaJsTimerWarning(): void {
  process.removeAllListeners('warning')
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning)
  })
}
