// Request ids of request-reply routes: the correlation id the request record carries, the id in
// `Location: /requests/{id}`, and the proof of who may read the reply, all in one token.
//
// Why a signed id rather than state: the reply may be fetched from any node, also from one that
// restarted since, and before the reply exists. A node that did not take the request knows
// nothing about it but the id; so the id itself says which route it belongs to, when it was made
// (for expiry), and, through an HMAC only nodes sharing the secret can compute, that a node made
// it and for which principal. Nothing needs to be written anywhere else (no extra record on the
// reply topic, no header the replying service must copy back besides the correlation id), and an
// id cannot be guessed or forged by a client or by another principal who saw it.
//
// Layout (43 bytes, base64url: 58 characters):
//   version(1) createdAt ms(6) route tag(4) random(12) | id MAC(8) | owner MAC(12)
// The id MAC proves a node issued it (unknown ids are 404); the owner MAC binds it to the
// principal who asked (another principal's fetch is 403).
import {
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto'
import type { Principal } from '../core/principal.ts'

const VERSION = 1
const BODY = 23
const ID_MAC = 8
const OWNER_MAC = 12
const LENGTH = BODY + ID_MAC + OWNER_MAC
const TEXT_LENGTH = Math.ceil((LENGTH * 4) / 3)
const BASE64URL = /^[A-Za-z0-9_-]+$/

export interface RequestId {
  /** The id as clients and records carry it. */
  text: string
  /** When the request was taken (ms since the epoch): replies expire from here. */
  createdAt: number
  /** The route's tag (routeTag): which route, hence which reply topic, the id belongs to. */
  route: string
}

/** Who made a request: the principal, within the virtual cluster it authenticated in. */
export interface Owner {
  virtualCluster: string
  principal: Pick<Principal, 'name' | 'method'>
}

/** A short, stable tag for a route: ids carry it so any node finds the route again. */
export function routeTag(listener: string, virtualCluster: string, routeName: string): string {
  return createHash('sha256')
    .update(`${listener}\u0000${virtualCluster}\u0000${routeName}`)
    .digest()
    .subarray(0, 4)
    .toString('hex')
}

export class Correlator {
  readonly #idKey: KeyObject
  readonly #ownerKey: KeyObject

  constructor(secret: string) {
    // One key per purpose, so that no MAC of one kind can ever stand in for the other. Key objects,
    // made once: an HMAC keyed with bytes makes one per call, which costs more than the MAC.
    this.#idKey = createSecretKey(createHmac('sha256', secret).update('weir request id').digest())
    this.#ownerKey = createSecretKey(
      createHmac('sha256', secret).update('weir request owner').digest()
    )
  }

  /** A new id for a request on the route tagged `route`, made by `owner`. */
  issue(route: string, owner: Owner, now = Date.now()): RequestId {
    const bytes = Buffer.alloc(LENGTH)
    bytes.writeUInt8(VERSION, 0)
    bytes.writeUIntBE(now, 1, 6)
    bytes.write(route, 7, 4, 'hex')
    randomBytes(12).copy(bytes, 11)
    const body = bytes.subarray(0, BODY)
    this.#idMac(body).copy(bytes, BODY)
    this.#ownerMac(body, owner).copy(bytes, BODY + ID_MAC)
    return { text: bytes.toString('base64url'), createdAt: now, route }
  }

  /** The id if a node sharing the secret issued it; undefined for anything else. */
  read(text: string): RequestId | undefined {
    if (text.length !== TEXT_LENGTH || !BASE64URL.test(text)) return undefined
    const bytes = Buffer.from(text, 'base64url')
    if (bytes.length !== LENGTH || bytes[0] !== VERSION) return undefined
    const body = bytes.subarray(0, BODY)
    if (!timingSafeEqual(this.#idMac(body), bytes.subarray(BODY, BODY + ID_MAC))) return undefined
    return {
      text,
      createdAt: bytes.readUIntBE(1, 6),
      route: bytes.subarray(7, 11).toString('hex'),
    }
  }

  /** Whether `owner` made the request (call on an id `read` accepted). */
  owns(id: RequestId, owner: Owner): boolean {
    const bytes = Buffer.from(id.text, 'base64url')
    const expected = this.#ownerMac(bytes.subarray(0, BODY), owner)
    return timingSafeEqual(expected, bytes.subarray(BODY + ID_MAC, LENGTH))
  }

  #idMac(body: Buffer): Buffer {
    return createHmac('sha256', this.#idKey).update(body).digest().subarray(0, ID_MAC)
  }

  #ownerMac(body: Buffer, owner: Owner): Buffer {
    // The method too: an API key named "alice" and a JWT subject "alice" are not one principal.
    const who = `${owner.virtualCluster}\u0000${owner.principal.method}\u0000${owner.principal.name}`
    return createHmac('sha256', this.#ownerKey)
      .update(body)
      .update(who)
      .digest()
      .subarray(0, OWNER_MAC)
  }
}
