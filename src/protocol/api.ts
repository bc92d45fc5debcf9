// What the codec knows about one Kafka API: its key and versions, and the functions that read,
// write and default-construct its request and response bodies. The generated table in
// generated/apis.ts holds one of these per API key of the pinned Kafka release.
import type { Reader } from './reader.ts'
import type { Writer } from './writer.ts'

export interface ApiDefinition<Req = unknown, Res = unknown> {
  readonly key: number
  /** Kafka's name for the API, e.g. `Produce` or `ApiVersions`. */
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
  /** The first version with compact types and tagged fields, or null if none has them. */
  readonly firstFlexibleVersion: number | null
  /** Kafka marks the newest version as still in development: brokers do not advertise it unless
   * told to, so a gateway should not either. */
  readonly latestVersionUnstable: boolean
  readRequest(r: Reader, version: number): Req
  writeRequest(w: Writer, version: number, message: Req): void
  defaultRequest(): Req
  readResponse(r: Reader, version: number): Res
  writeResponse(w: Writer, version: number, message: Res): void
  defaultResponse(): Res
}

/** Whether `api` has a schema for `version`. */
export function supportsVersion(api: ApiDefinition, version: number): boolean {
  return version >= api.minVersion && version <= api.maxVersion
}

/** Whether requests and responses of `version` use compact types and tagged fields. */
export function isFlexible(api: ApiDefinition, version: number): boolean {
  return api.firstFlexibleVersion !== null && version >= api.firstFlexibleVersion
}
