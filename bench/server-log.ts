// The messages a server under test logged, for a run's notes: a line's message (and its error),
// not its time, so the same warning logged many times reads as one message.
import { existsSync, readFileSync } from 'node:fs'

/**
 * Each line's message, at most 300 characters: pino's `msg` (Weir) or `message` (kafkajs in a
 * peer) with the error it names; a line that is not JSON (Node's own warnings, a Java server's
 * log) as it is. Nothing when the file is not there.
 */
export function logMessages(file: string): string[] {
  if (!existsSync(file)) return []
  const messages: string[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    let message = line
    try {
      const entry = JSON.parse(line) as {
        msg?: unknown
        message?: unknown
        error?: unknown
        err?: { message?: unknown }
      }
      const error = entry.error ?? entry.err?.message
      message = `${String(entry.msg ?? entry.message ?? line)}${error === undefined ? '' : ` (${String(error)})`}`
    } catch {
      // Not JSON: the line as it is.
    }
    messages.push(message.slice(0, 300))
  }
  return messages
}
