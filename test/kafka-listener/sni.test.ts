// Server names to virtual clusters and back, in both host formats.
import { describe, expect, it } from 'vitest'
import { sniNames, sniRoute } from '../../src/kafka-listener/sni.ts'

describe('SNI host names', () => {
  it.each([
    [
      'shared-suffix',
      'bootstrap-tenant-a.kafka.example.com',
      'broker-7-tenant-a.kafka.example.com',
    ],
    [
      'per-cluster-suffix',
      'bootstrap.tenant-a.kafka.example.com',
      'broker-7.tenant-a.kafka.example.com',
    ],
  ] as const)(
    '%s: the names clients are told route back to their virtual cluster',
    (format, b, k) => {
      const names = sniNames('Tenant-A', 'Kafka.Example.com', format)
      expect(names.bootstrapHost).toBe(b)
      expect(names.brokerHost(7)).toBe(k)
      expect(sniRoute(b, 'kafka.example.com', format)).toEqual({
        virtualCluster: 'tenant-a',
        target: 'bootstrap',
      })
      expect(sniRoute(k.toUpperCase(), 'kafka.example.com', format)).toEqual({
        virtualCluster: 'tenant-a',
        target: 7,
      })
    }
  )

  it.each([
    [undefined, 'shared-suffix'],
    ['bootstrap-a.other.example.com', 'shared-suffix'],
    ['bootstrap-a.kafka.example.com.evil.com', 'shared-suffix'],
    ['kafka.example.com', 'shared-suffix'],
    ['bootstrap.a.kafka.example.com', 'shared-suffix'],
    ['broker-01-a.kafka.example.com', 'shared-suffix'],
    ['broker-x-a.kafka.example.com', 'shared-suffix'],
    ['bootstrap-.kafka.example.com', 'shared-suffix'],
    ['bootstrap-a.kafka.example.com', 'per-cluster-suffix'],
    ['bootstrap.a.b.kafka.example.com', 'per-cluster-suffix'],
    ['zookeeper.a.kafka.example.com', 'per-cluster-suffix'],
  ] as const)('%s is not a name of %s', (name, format) => {
    expect(sniRoute(name, 'kafka.example.com', format)).toBeUndefined()
  })

  it('reads a shared-suffix virtual cluster with hyphens and digits in its name', () => {
    expect(sniRoute('broker-12-team-2-prod.k.example', 'k.example', 'shared-suffix')).toEqual({
      virtualCluster: 'team-2-prod',
      target: 12,
    })
  })
})
