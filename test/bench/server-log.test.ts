// A server's log reduced to messages for the bench's notes.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { logMessages } from '../../bench/server-log.ts'

describe('logMessages', () => {
  it('reads pino and kafkajs JSON lines by message and error, other lines as they are', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'weir-log-')), 'server.log')
    writeFileSync(
      file,
      [
        JSON.stringify({ level: 40, time: 1, msg: 'slow broker', err: { message: 'timeout' } }),
        JSON.stringify({ level: 'WARN', timestamp: 'x', message: 'retrying', error: 'ECONNRESET' }),
        '(node:1) Warning: something',
        '',
      ].join('\n')
    )
    expect(logMessages(file)).toEqual([
      'slow broker (timeout)',
      'retrying (ECONNRESET)',
      '(node:1) Warning: something',
    ])
  })

  it('is empty when the server wrote no log', () => {
    expect(logMessages('/nonexistent/weir.log')).toEqual([])
  })
})
