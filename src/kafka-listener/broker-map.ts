// Which backend broker each node id is, and the address a client must use for it instead. With
// port mapping, node N is served on `brokerPortBase + N` of the advertised host; with SNI
// routing, on one port under its own host name. Brokers are
// learnt from the metadata the backend itself sends (at start, and in every Metadata and
// DescribeCluster response that passes), so a broker that joins later gets its port then.

export interface Address {
  host: string
  port: number
}

export interface BrokerMapOptions {
  advertisedHost: string
  brokerPortBase: number
  /** SNI routing instead: every broker on one port, told apart by its host name. */
  sni?: { brokerHost(nodeId: number): string; port: number }
  /** A broker was seen for the first time (bind its port). */
  onNewBroker?: (nodeId: number) => void
}

export class BrokerMap {
  readonly #options: BrokerMapOptions
  readonly #upstreams = new Map<number, Address>()

  constructor(options: BrokerMapOptions) {
    this.#options = options
  }

  /** Records where node `nodeId` really is; false for an id no port can be given to. */
  learn(nodeId: number, host: string, port: number): boolean {
    if (!this.mappable(nodeId)) return false
    const known = this.#upstreams.get(nodeId)
    if (known?.host === host && known.port === port) return true
    this.#upstreams.set(nodeId, { host, port })
    if (known === undefined) this.#options.onNewBroker?.(nodeId)
    return true
  }

  /** Where a connection for node `nodeId` goes. */
  upstream(nodeId: number): Address | undefined {
    return this.#upstreams.get(nodeId)
  }

  /** What clients are told node `nodeId` is. */
  advertised(nodeId: number): Address {
    const sni = this.#options.sni
    if (sni !== undefined) return { host: sni.brokerHost(nodeId), port: sni.port }
    return { host: this.#options.advertisedHost, port: this.portOf(nodeId) }
  }

  portOf(nodeId: number): number {
    return this.#options.brokerPortBase + nodeId
  }

  /** The node a broker port serves, or undefined. */
  nodeOf(port: number): number | undefined {
    const nodeId = port - this.#options.brokerPortBase
    return this.#upstreams.has(nodeId) ? nodeId : undefined
  }

  /** Node ids must map into the port range (controller ids in KRaft metadata may not). */
  mappable(nodeId: number): boolean {
    if (this.#options.sni !== undefined) return Number.isInteger(nodeId) && nodeId >= 0
    const port = this.portOf(nodeId)
    return Number.isInteger(nodeId) && nodeId >= 0 && port > 0 && port <= 65_535
  }

  nodes(): number[] {
    return [...this.#upstreams.keys()].sort((a, b) => a - b)
  }
}
