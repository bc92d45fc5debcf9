// SASL passed through to the broker: the connection counts as authenticated once the broker
// accepted the exchange's last round, not SCRAM's first.
import { describe, expect, it } from 'vitest'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import { backendSaslWatch } from '../../../src/kafka-listener/filters/backend-sasl.ts'
import type { FilterContext } from '../../../src/kafka-listener/filters/types.ts'

function context(): FilterContext {
  return {
    brokers: new BrokerMap({ advertisedHost: 'weir.test', brokerPortBase: 29_092 }),
    state: { principal: undefined, scratch: new Map() },
  }
}

const answer = (errorCode: number, authBytes: string) => ({
  errorCode,
  errorMessage: null,
  authBytes: Buffer.from(authBytes),
  sessionLifetimeMs: 0n,
})

describe('the watch on SASL passed through to the broker', () => {
  it('counts SCRAM in once the broker sent its server-final, not its server-first', () => {
    const watch = backendSaslWatch()
    const ctx = context()
    expect(watch.response.onResponse(answer(0, 'r=abc,s=c2FsdA==,i=4096'), 2, ctx)).toBe(false)
    expect(watch.authenticated(ctx.state)).toBe(false)
    watch.response.onResponse(answer(0, 'v=c2lnbmF0dXJl'), 2, ctx)
    expect(watch.authenticated(ctx.state)).toBe(true)
  })

  it('counts PLAIN and OAUTHBEARER in on their one accepted round, and a refusal never', () => {
    const watch = backendSaslWatch()
    const refused = context()
    watch.response.onResponse(answer(58, ''), 2, refused)
    expect(watch.authenticated(refused.state)).toBe(false)
    const accepted = context()
    watch.response.onResponse(answer(0, ''), 2, accepted)
    expect(watch.authenticated(accepted.state)).toBe(true)
  })
})
