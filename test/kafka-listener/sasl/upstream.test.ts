import { describe, expect, it } from 'vitest'
import { plainMessage, PlainServer } from '../../../src/kafka-listener/sasl/plain.ts'
import { ScramServer } from '../../../src/kafka-listener/sasl/scram/server.ts'
import type { SaslServer } from '../../../src/kafka-listener/sasl/types.ts'
import {
  authenticateUpstream,
  upstreamMechanism,
  type SendAuthBytes,
  type UpstreamSaslConfig,
} from '../../../src/kafka-listener/sasl/upstream.ts'
import { scramCredentials } from './fixtures.ts'

/** A `send` backed by our own server, failing the way a broker's error response would. */
function sendTo(server: SaslServer): { send: SendAuthBytes; sent: string[] } {
  const sent: string[] = []
  const send: SendAuthBytes = async (authBytes) => {
    sent.push(authBytes.toString())
    const step = await server.step(authBytes)
    if (step.kind === 'failed') throw new Error(step.message)
    return step.response
  }
  return { send, sent }
}

describe('authenticateUpstream', () => {
  it('names the mechanism for SaslHandshake', () => {
    const base = { username: 'u', password: 'p' }
    expect(upstreamMechanism({ ...base, mechanism: 'plain' })).toBe('PLAIN')
    expect(upstreamMechanism({ ...base, mechanism: 'scram-sha-256' })).toBe('SCRAM-SHA-256')
    expect(upstreamMechanism({ ...base, mechanism: 'scram-sha-512' })).toBe('SCRAM-SHA-512')
  })

  it('sends one PLAIN message', async () => {
    const server = new PlainServer(async ({ basic }) =>
      basic?.password === 'pw'
        ? { principal: { name: basic.username, method: 'basic', roles: [] } }
        : { decision: { verdict: 'deny', code: 'unauthenticated', detail: 'no', policy: 'basic' } }
    )
    const { send, sent } = sendTo(server)
    await authenticateUpstream(send, { mechanism: 'plain', username: 'weir', password: 'pw' })
    expect(sent).toEqual([plainMessage('weir', 'pw').toString()])
  })

  it.each(['scram-sha-256', 'scram-sha-512'] as const)(
    'runs %s against our server, and fails with a wrong password',
    async (mechanism) => {
      const credentials = await scramCredentials([
        { username: 'weir', password: 'weir-secret', mechanism },
      ])
      const config: UpstreamSaslConfig = { mechanism, username: 'weir', password: 'weir-secret' }
      const ok = sendTo(new ScramServer(mechanism, credentials))
      await authenticateUpstream(ok.send, config)
      expect(ok.sent).toHaveLength(2)
      await expect(
        authenticateUpstream(sendTo(new ScramServer(mechanism, credentials)).send, {
          ...config,
          password: 'wrong',
        })
      ).rejects.toThrow(/invalid credentials with SASL mechanism/)
    }
  )

  it('refuses a broker that cannot prove it knows the credential', async () => {
    const credentials = await scramCredentials([
      { username: 'weir', password: 'other', mechanism: 'scram-sha-256' },
    ])
    const server = new ScramServer('scram-sha-256', credentials)
    // A broker that accepts anything: it answers the client-final with a made-up signature.
    let step = 0
    const send: SendAuthBytes = async (authBytes) => {
      step++
      if (step === 1) return (await server.step(authBytes)).response
      return Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`)
    }
    await expect(
      authenticateUpstream(send, {
        mechanism: 'scram-sha-256',
        username: 'weir',
        password: 'weir-secret',
      })
    ).rejects.toThrow(/server signature is wrong/)
  })
})
