// Subscribers of one stream as the consumer hub sees them: real sessions on a real endpoint whose
// engine masks `/email` for everyone but bob, so a record has two renderings (masked, clear).
import { PolicyEngine } from '../../../src/policy/engine.ts'
import type { Principal } from '../../../src/core/principal.ts'
import type { ConsumedRecord } from '../../../src/kafka/consumer/types.ts'
import { emptyCursor } from '../../../src/stream/cursor.ts'
import { streamEndpoint, type StreamEndpoint } from '../../../src/stream/endpoint.ts'
import { StreamSession } from '../../../src/stream/session.ts'
import { config as policyConfig, principal } from '../../policy/fixtures.ts'
import {
  consumed,
  FakeSubscription,
  silentLogger,
  streamConfig,
  virtualCluster,
} from '../../stream/fakes.ts'

export function maskedEndpoint(): StreamEndpoint {
  const engine = new PolicyEngine(
    policyConfig({
      policies: [
        {
          name: 'pii',
          kind: 'mask',
          topics: ['orders'],
          except: ['bob'],
          fields: [{ pointers: ['/email'], strategy: 'email' }],
        },
      ],
      virtualClusters: [{ name: 'vc', policies: ['pii'] }],
    })
  )
  const deps = {
    schemas: { deserialize: () => Promise.reject(new Error('no registry here')) },
    policies: engine,
  }
  return streamEndpoint(streamConfig(), virtualCluster({ name: 'vc' }), deps)
}

export function subscriberSession(
  endpoint: StreamEndpoint,
  who: Principal,
  ackOnTake = false
): StreamSession {
  const session = new StreamSession({
    endpoint,
    principal: who,
    topics: ['orders'],
    cursor: emptyCursor,
    buffer: { maxRecords: 100, maxBytes: 1_000_000, onOverflow: 'close' },
    ackOnTake,
    logger: silentLogger(),
  })
  session.attach(new FakeSubscription())
  return session
}

/**
 * Subscribers of one stream, some principals with two connections. Masked readers get a rendering
 * per principal (carol's, dave's), everyone else the one clear rendering (bob's).
 */
export const readers: readonly Principal[] = ['carol', 'bob', 'carol', 'bob', 'dave'].map((name) =>
  principal(name)
)

export const reader = (i: number): Principal => readers[i % readers.length] as Principal

/** A record with a field the mask hides, and characters JSON and UTF-8 encode with care. */
export function personRecord(offset: number): ConsumedRecord {
  const value = { email: 'jane@example.com', note: `crème "brûlée"\n#${offset}` }
  return consumed(offset, { value: Buffer.from(JSON.stringify(value)) })
}
