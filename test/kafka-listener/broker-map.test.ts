// Which node each broker port serves, and where a node really is.
import { describe, expect, it, vi } from 'vitest'
import { BrokerMap } from '../../src/kafka-listener/broker-map.ts'

function map(onNewBroker = vi.fn<(nodeId: number) => void>()) {
  return {
    brokers: new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9093, onNewBroker }),
    onNewBroker,
  }
}

describe('BrokerMap', () => {
  it('learns where a node is and advertises its own port for it', () => {
    const { brokers } = map()
    expect(brokers.learn(2, 'kafka-2', 19092)).toBe(true)
    expect(brokers.upstream(2)).toEqual({ host: 'kafka-2', port: 19092 })
    expect(brokers.advertised(2)).toEqual({ host: 'weir', port: 9095 })
    expect(brokers.portOf(0)).toBe(9093)
    expect(brokers.upstream(3)).toBeUndefined()
  })

  it('tells onNewBroker once per node, even when the node moves', () => {
    const { brokers, onNewBroker } = map()
    brokers.learn(1, 'a', 1)
    brokers.learn(1, 'a', 1)
    brokers.learn(0, 'b', 2)
    brokers.learn(1, 'moved', 3)
    expect(onNewBroker.mock.calls).toEqual([[1], [0]])
    // A broker that moved is reached at its new address through the same gateway port.
    expect(brokers.upstream(1)).toEqual({ host: 'moved', port: 3 })
    expect(brokers.nodes()).toEqual([0, 1])
  })

  it('finds the node a port serves only once that node is known', () => {
    const { brokers } = map()
    expect(brokers.nodeOf(9094)).toBeUndefined()
    brokers.learn(1, 'a', 1)
    expect(brokers.nodeOf(9094)).toBe(1)
    expect(brokers.nodeOf(9093)).toBeUndefined()
    expect(brokers.nodeOf(9092)).toBeUndefined()
  })

  it('refuses node ids that have no port', () => {
    const { brokers, onNewBroker } = map()
    expect(brokers.mappable(-1)).toBe(false)
    expect(brokers.mappable(1.5)).toBe(false)
    expect(brokers.mappable(65_535 - 9093)).toBe(true)
    // KRaft controller ids are often large (3000+ with a base of 9093 would still fit; 60000 not).
    expect(brokers.mappable(65_536 - 9093)).toBe(false)
    expect(brokers.learn(-1, 'x', 1)).toBe(false)
    expect(brokers.learn(60_000, 'x', 1)).toBe(false)
    expect(onNewBroker).not.toHaveBeenCalled()
    expect(brokers.nodes()).toEqual([])
  })
})
