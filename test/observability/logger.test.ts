import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { redactedPaths } from '../../src/observability/logger.ts'

describe('logger redaction', () => {
  it('never writes passwords, tokens or authorization headers', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const logger = pino({ redact: { paths: redactedPaths, censor: '[redacted]' } }, sink)
    logger.info({
      sasl: { username: 'alice', password: 'hunter2' },
      registry: { bearerToken: 'tok-123' },
      headers: { authorization: 'Bearer abc', 'x-api-key': 'key-1', accept: 'json' },
    })
    const text = lines.join('')
    expect(text).not.toMatch(/hunter2|tok-123|Bearer abc|key-1/)
    expect(text).toContain('alice')
    expect(text).toContain('json')
  })
})
