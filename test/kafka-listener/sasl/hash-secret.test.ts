// `weir hash-secret --scram-*` prints a user entry the SCRAM server then accepts.
import { Readable } from 'node:stream'
import { parse } from 'yaml'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../../src/cli.ts'
import { ScramAuth } from '../../../src/config/schema/authentication.ts'
import { ScramClient } from '../../../src/kafka-listener/sasl/scram/client.ts'
import { ScramServer } from '../../../src/kafka-listener/sasl/scram/server.ts'
import { ScramCredentials } from '../../../src/policy/authn/scram.ts'

afterEach(() => vi.restoreAllMocks())

async function run(args: string[], stdin: string) {
  vi.spyOn(process, 'stdin', 'get').mockReturnValue(
    Readable.from([Buffer.from(stdin)]) as unknown as typeof process.stdin
  )
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk))
    return true
  })
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')))
  const code = await main(args)
  return { code, out: out.join(''), err: err.join('\n') }
}

describe('weir hash-secret --scram-*', () => {
  it.each(['scram-sha-256', 'scram-sha-512'] as const)(
    '--%s prints an entry that verifies against the server',
    async (mechanism) => {
      const { code, out } = await run(
        ['hash-secret', `--${mechanism}`, '--username', 'alice'],
        'alice-secret\n'
      )
      expect(code).toBe(0)
      const users = parse(out) as unknown[]
      expect(users).toEqual([
        {
          username: 'alice',
          mechanism,
          salt: expect.any(String),
          iterations: 4096,
          storedKey: expect.any(String),
          serverKey: expect.any(String),
          roles: [],
        },
      ])
      const credentials = new ScramCredentials([ScramAuth.parse({ kind: 'scram', users })])
      const exchange = async (password: string) => {
        const server = new ScramServer(mechanism, (m, u) => credentials.login(m, u))
        const client = new ScramClient(mechanism, 'alice', password)
        const first = await server.step(client.first())
        return server.step(await client.final(first.response))
      }
      expect(await exchange('alice-secret')).toMatchObject({ kind: 'authenticated' })
      expect(await exchange('alice-secret\n')).toMatchObject({ kind: 'failed' })
    }
  )

  it('takes --iterations and draws a new salt every time', async () => {
    const a = parse(
      (
        await run(
          ['hash-secret', '--scram-sha-256', '--username', 'u', '--iterations', '8192'],
          'pw'
        )
      ).out
    )
    const b = parse((await run(['hash-secret', '--scram-sha-256', '--username', 'u'], 'pw')).out)
    expect(a[0].iterations).toBe(8192)
    expect(a[0].salt).not.toBe(b[0].salt)
  })

  it('explains what it needs with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--scram-sha-256'], /needs --username NAME/],
      [['--scram-sha-256', '--scram-sha-512', '--username', 'u'], /choose one of/],
      [['--api-key', '--scram-sha-512', '--username', 'u'], /choose one of/],
      [['--scram-sha-512', '--username', 'u', '--iterations', '100'], /at least 4096/],
      [['--scram-sha-512', '--username', 'u', '--iterations', 'many'], /at least 4096/],
      [['--username', 'u'], /go with --scram-sha-256 or --scram-sha-512/],
    ]
    for (const [flags, message] of cases) {
      const { code, err } = await run(['hash-secret', ...flags], 'pw')
      expect(code).toBe(2)
      expect(err).toMatch(message)
    }
  })

  it('still hashes API keys and passwords as before', async () => {
    expect((await run(['hash-secret', '--api-key'], 'key')).out).toMatch(/^[0-9a-f]{64}$/)
    expect((await run(['hash-secret'], 'pw')).out).toMatch(/^scrypt\$16384\$8\$1\$/)
  })
})
