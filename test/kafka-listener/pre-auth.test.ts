// The limits on a Kafka connection until it authenticated: the pure accounting, then on real
// sockets through the proxy to a fake broker (a connection is "authenticated" here once the test
// marks its state).
import { afterEach, describe, expect, it } from 'vitest'
import type { ConnectionState } from '../../src/kafka-listener/filters/types.ts'
import {
  PreAuthBudget,
  PreAuthGuard,
  type PreAuthLimits,
} from '../../src/kafka-listener/pre-auth.ts'
import { apis } from '../../src/protocol/index.ts'
import { startProxy, type ProxyHarness } from './support/proxy-harness.ts'
import { eventually, sizePrefix } from './support/wire-client.ts'

/** The test's mark on a connection it takes as authenticated. */
const AUTHENTICATED = {}

function limits(overrides: Partial<PreAuthLimits> = {}): PreAuthLimits {
  return {
    maxFrameBytes: 1024,
    timeoutMs: 1000,
    budget: new PreAuthBudget(3000),
    authenticated: (state: ConnectionState) => state.scratch.has(AUTHENTICATED),
    ...overrides,
  }
}

describe('the pre-authentication budget', () => {
  it('takes bytes up to its bound, and refuses more without taking any', () => {
    const budget = new PreAuthBudget(100)
    expect(budget.take(60)).toBe(true)
    expect(budget.take(41)).toBe(false)
    expect(budget.held).toBe(60)
    expect(budget.take(40)).toBe(true)
    budget.give(100)
    expect(budget.held).toBe(0)
  })

  it('follows what each connection holds, and gets it all back when they end', () => {
    const shared = limits()
    const a = new PreAuthGuard(shared, 0)
    const b = new PreAuthGuard(shared, 0)
    expect(a.hold(2000)).toBeUndefined()
    expect(a.hold(500)).toBeUndefined()
    expect(shared.budget.held).toBe(500)
    expect(b.hold(2500)).toBeUndefined()
    expect(a.hold(501)).toEqual({
      why: 'pre-authentication memory exhausted',
      detail: 'holding 501 bytes would take unauthenticated connections past 3000 bytes',
    })
    expect(shared.budget.held).toBe(3000)
    a.release()
    b.release()
    expect(shared.budget.held).toBe(0)
  })

  it('refuses a connection once it has been open past the authentication timeout', () => {
    const guard = new PreAuthGuard(limits({ timeoutMs: 1000 }), 5000)
    expect(guard.expired(6000)).toBeUndefined()
    expect(guard.expired(6001)).toEqual({
      why: 'authentication timeout',
      detail: 'not authenticated within 1000 ms',
    })
  })
})

describe('a connection before authentication', () => {
  let proxy: ProxyHarness
  afterEach(async () => {
    await proxy.stop()
  })
  const closeLog = (address: string) =>
    proxy.entries.find((e) => e.msg === 'kafka connection closed' && e.client === address)

  it('is closed on the size prefix of a frame above maxPreAuthFrameBytes', async () => {
    const preAuth = limits()
    proxy = await startProxy({ maxFrameBytes: 1024 * 1024 }, {}, preAuth)
    const stranger = await proxy.client()
    const other = await proxy.client()
    // ApiVersions is served before authentication.
    expect((await stranger.roundTrip(apis.apiVersions, 3)).body.errorCode).toBe(0)
    stranger.write(sizePrefix(90 * 1024 * 1024))
    expect(await stranger.closesWithin(2000)).toBe(true)
    expect(closeLog(stranger.address)).toMatchObject({
      why: 'malformed request',
      detail: 'frame size 94371840 is outside 0..1024, the limit before authentication',
    })
    expect((await other.roundTrip(apis.apiVersions, 3)).body.errorCode).toBe(0)
    expect(preAuth.budget.held).toBe(0)
  })

  it('takes frames up to maxFrameBytes once authenticated', async () => {
    proxy = await startProxy({ maxFrameBytes: 8192 }, {}, limits())
    const client = await proxy.client()
    ;(await proxy.connectionOf(client)).state.scratch.set(AUTHENTICATED, true)
    const request = client.request(apis.metadata, 12, {
      ...apis.metadata.defaultRequest(),
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x'.repeat(4000) }],
    })
    expect(request.length).toBeGreaterThan(4000)
    client.write(request)
    await client.next()
  })

  it('is closed when it would take the listener past maxPreAuthBufferedBytes', async () => {
    const preAuth = limits({ maxFrameBytes: 2048, budget: new PreAuthBudget(2900) })
    proxy = await startProxy({}, {}, preAuth)
    const first = await proxy.client()
    const second = await proxy.client()
    // Each declares a 2000-byte frame and sends 1500 bytes of it, all held.
    const partial = Buffer.concat([sizePrefix(2000), Buffer.alloc(1500)])
    first.write(partial)
    await eventually(() => preAuth.budget.held === 1500)
    second.write(partial)
    expect(await second.closesWithin(2000)).toBe(true)
    expect(closeLog(second.address)).toMatchObject({ why: 'pre-authentication memory exhausted' })
    expect(first.isClosed).toBe(false)
    expect(preAuth.budget.held).toBe(1500)
    // Whatever a connection held is given back when it ends.
    first.destroy()
    await eventually(() => preAuth.budget.held === 0)
  })

  it('is closed once the authentication timeout passes, and an authenticated one is not', async () => {
    proxy = await startProxy({}, {}, limits({ timeoutMs: 100 }))
    const stranger = await proxy.client()
    const member = await proxy.client()
    const strangerConnection = await proxy.connectionOf(stranger)
    const memberConnection = await proxy.connectionOf(member)
    memberConnection.state.scratch.set(AUTHENTICATED, true)
    strangerConnection.checkTimeout(Date.now())
    expect(stranger.isClosed).toBe(false)
    strangerConnection.checkTimeout(Date.now() + 101)
    memberConnection.checkTimeout(Date.now() + 101)
    expect(await stranger.closesWithin(2000)).toBe(true)
    expect(closeLog(stranger.address)).toMatchObject({
      why: 'authentication timeout',
      detail: 'not authenticated within 100 ms',
    })
    expect((await member.roundTrip(apis.apiVersions, 3)).body.errorCode).toBe(0)
  })
})
