// IP filters (`kind: ip-filter`): which client addresses may connect at all, on every door. The
// address is the connection's peer, or the client a trusted PROXY protocol header names. A
// denied address is refused before authentication: `deny` wins over `allow`, and with `allow`
// set only the addresses it lists get in.
import { BlockList, isIP } from 'node:net'
import { parseCidr } from '../config/schema/common.ts'
import type { IpFilterPolicyConfig } from '../config/schema/index.ts'
import type { Decision } from '../core/decision.ts'

export class IpFilter {
  readonly name: string
  readonly #allow: BlockList | undefined
  readonly #deny: BlockList

  constructor(config: IpFilterPolicyConfig) {
    this.name = config.name
    this.#allow = config.allow && blockList(config.allow)
    this.#deny = blockList(config.deny)
  }

  /** The verdict on a client address; one that is no IP address at all is refused. */
  evaluate(client: string): Decision {
    const address = clientAddress(client)
    if (address === undefined) return this.#refuse(client, 'is not an IP address')
    if (matches(this.#deny, address)) return this.#refuse(client, 'is denied')
    if (this.#allow !== undefined && !matches(this.#allow, address)) {
      return this.#refuse(client, 'is not allowed')
    }
    return { verdict: 'allow' }
  }

  #refuse(client: string, why: string): Decision {
    return {
      verdict: 'deny',
      code: 'forbidden',
      detail: `client address ${client} ${why} by ip filter "${this.name}"`,
      policy: this.name,
    }
  }
}

/** The first refusal of any filter, or allow. */
export function evaluateIpFilters(filters: readonly IpFilter[], client: string): Decision {
  for (const filter of filters) {
    const decision = filter.evaluate(client)
    if (decision.verdict === 'deny') return decision
  }
  return { verdict: 'allow' }
}

interface Address {
  address: string
  family: 'ipv4' | 'ipv6'
  /** The IPv4 address an IPv4-mapped IPv6 one (`::ffff:203.0.113.7`) stands for. */
  mapped?: string
}

function clientAddress(client: string): Address | undefined {
  const version = isIP(client)
  if (version === 4) return { address: client, family: 'ipv4' }
  if (version !== 6) return undefined
  // A dual-stack socket reports IPv4 clients this way: IPv4 rules must still apply to them.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(client)?.[1]
  return { address: client, family: 'ipv6', ...(mapped !== undefined && { mapped }) }
}

function matches(list: BlockList, { address, family, mapped }: Address): boolean {
  return list.check(address, family) || (mapped !== undefined && list.check(mapped, 'ipv4'))
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr)
    // The config schema already refused anything else.
    if (parsed !== undefined) list.addSubnet(parsed.address, parsed.prefix, parsed.family)
  }
  return list
}
