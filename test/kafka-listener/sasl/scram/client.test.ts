import { describe, expect, it } from 'vitest'
import { ScramClient, ScramClientError } from '../../../../src/kafka-listener/sasl/scram/client.ts'
import { ScramServer } from '../../../../src/kafka-listener/sasl/scram/server.ts'
import { scramCredentials } from '../fixtures.ts'

const serverFirst = (nonce: string, iterations = 4096) =>
  Buffer.from(`r=${nonce},s=${Buffer.from('salt').toString('base64')},i=${iterations}`)

describe('ScramClient', () => {
  it('writes a saslname-escaped username and a fresh nonce each time', () => {
    const a = new ScramClient('scram-sha-512', 'we,ird=name', 'pw').first().toString()
    const b = new ScramClient('scram-sha-512', 'we,ird=name', 'pw').first().toString()
    expect(a).toMatch(/^n,,n=we=2Cird=3Dname,r=[A-Za-z0-9_-]{32}$/)
    expect(a).not.toBe(b)
  })

  it('refuses a server nonce that does not extend its own', async () => {
    for (const nonce of ['other-nonce', 'abc']) {
      const client = new ScramClient('scram-sha-256', 'alice', 'pw', { nonce: 'abc' })
      client.first()
      await expect(client.final(serverFirst(nonce))).rejects.toThrow(/does not extend ours/)
    }
  })

  it('refuses iteration counts below 4096 and absurdly high ones', async () => {
    for (const iterations of [4095, 1, 10_000_000]) {
      const client = new ScramClient('scram-sha-256', 'alice', 'pw', { nonce: 'abc' })
      client.first()
      await expect(client.final(serverFirst('abcdef', iterations))).rejects.toThrow(
        /iterations \(allowed: 4096 to 1000000\)/
      )
    }
  })

  it('refuses malformed server messages', async () => {
    for (const bad of ['s=c2FsdA==,r=abcdef,i=4096', 'r=abcdef,s=!!,i=4096', 'm=x,r=a', '']) {
      const client = new ScramClient('scram-sha-256', 'alice', 'pw', { nonce: 'abc' })
      client.first()
      await expect(client.final(Buffer.from(bad))).rejects.toBeInstanceOf(ScramClientError)
    }
  })

  it('refuses a wrong server signature, and reports a server error', async () => {
    const credentials = await scramCredentials([
      { username: 'alice', password: 'alice-secret', mechanism: 'scram-sha-256' },
    ])
    const run = async () => {
      const server = new ScramServer('scram-sha-256', credentials)
      const client = new ScramClient('scram-sha-256', 'alice', 'alice-secret')
      const first = await server.step(client.first())
      const final = await server.step(await client.final(first.response))
      expect(final.kind).toBe('authenticated')
      return { client, signature: final.response.toString().slice(2) }
    }
    const forged = await run()
    const flipped = Buffer.from(forged.signature, 'base64')
    flipped[0] = (flipped[0] as number) ^ 1
    expect(() => forged.client.verify(Buffer.from(`v=${flipped.toString('base64')}`))).toThrow(
      /server signature is wrong/
    )
    const short = await run()
    expect(() => short.client.verify(Buffer.from('v=AAAA'))).toThrow(/server signature is wrong/)
    const refused = await run()
    expect(() => refused.client.verify(Buffer.from('e=invalid-proof'))).toThrow(
      /server refused SCRAM-SHA-256: invalid-proof/
    )
  })

  it('must be driven in order', async () => {
    const client = new ScramClient('scram-sha-256', 'alice', 'pw')
    await expect(client.final(serverFirst('x'))).rejects.toThrow(/out of order/)
    expect(() => client.verify(Buffer.from('v=AAAA'))).toThrow(/out of order/)
    client.first()
    expect(() => client.first()).toThrow(/out of order/)
  })
})
