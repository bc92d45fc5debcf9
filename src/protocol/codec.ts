// Whole requests and responses: header plus body, framed or not. Requests name their API in the
// header, so any request decodes on its own; a response decodes only with the API and version
// of the request it answers, which the caller tracks by correlation id.
import { supportsVersion, type ApiDefinition } from './api.ts'
import { CodecError, unsupportedVersion } from './codec-error.ts'
import { apiByKey } from './generated/apis.ts'
import {
  readRequestHeader,
  writeRequestHeader,
  type RequestHeader,
} from './generated/messages/request-header.ts'
import {
  readResponseHeader,
  writeResponseHeader,
  type ResponseHeader,
} from './generated/messages/response-header.ts'
import { peekRequestHeader, requestHeaderVersion, responseHeaderVersion } from './headers.ts'
import { Reader } from './reader.ts'
import { Writer } from './writer.ts'

export interface DecodedRequest<Req = unknown> {
  api: ApiDefinition<Req, unknown>
  header: RequestHeader
  body: Req
}

export interface DecodedResponse<Res = unknown> {
  header: ResponseHeader
  body: Res
}

/** The API a request is for, or a CodecError if the codec does not know its key or version. */
export function requestApi(apiKey: number, apiVersion: number): ApiDefinition {
  const api = apiByKey.get(apiKey)
  if (!api) throw new CodecError(`unknown API key ${apiKey}`)
  if (!supportsVersion(api, apiVersion)) throw unsupportedVersion(`${api.name}Request`, apiVersion)
  return api
}

/** Decodes a request payload (a frame without its size prefix). Bytes after the body are
 * ignored, as Kafka's broker ignores them. */
export function decodeRequest(payload: Buffer): DecodedRequest {
  const { apiKey, apiVersion } = peekRequestHeader(payload)
  const api = requestApi(apiKey, apiVersion)
  const r = new Reader(payload)
  const header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion))
  const body = api.readRequest(r, apiVersion)
  return { api, header, body }
}

/**
 * Bytes values from this size on go out by reference: a broker's records (kilobytes to
 * megabytes) are not worth a copy, a topic id or a short key is not worth a chunk.
 */
export const REFERENCE_FROM_BYTES = 1024

/** Encodes a request as a frame, size prefix included. The header names API key and version. */
export function encodeRequest<Req>(
  api: ApiDefinition<Req, unknown>,
  header: RequestHeader,
  body: Req
): Buffer {
  return requestWriter(api, header, body, Number.POSITIVE_INFINITY).finish()
}

/**
 * encodeRequest as chunks to write in order, its bytes values of `referenceFrom` bytes or more
 * (a Produce request's records) the very buffers the body holds: see encodeResponseChunks.
 */
export function encodeRequestChunks<Req>(
  api: ApiDefinition<Req, unknown>,
  header: RequestHeader,
  body: Req,
  referenceFrom = REFERENCE_FROM_BYTES
): Uint8Array[] {
  return requestWriter(api, header, body, referenceFrom).finishChunks()
}

function requestWriter<Req>(
  api: ApiDefinition<Req, unknown>,
  header: RequestHeader,
  body: Req,
  referenceFrom: number
): Writer {
  const version = header.requestApiVersion
  if (header.requestApiKey !== api.key) {
    throw new CodecError(`header names API key ${header.requestApiKey}, not ${api.key}`)
  }
  if (!supportsVersion(api, version)) throw unsupportedVersion(`${api.name}Request`, version)
  const w = new Writer(256, referenceFrom)
  w.int32(0)
  writeRequestHeader(w, requestHeaderVersion(api.key, version), header)
  api.writeRequest(w, version, body)
  w.patchInt32(0, w.size - 4)
  return w
}

/** Decodes a response payload (a frame without its size prefix) to a request of `api` at
 * `version`. Bytes after the body are ignored, as Kafka's clients ignore them. */
export function decodeResponse<Res>(
  api: ApiDefinition<unknown, Res>,
  version: number,
  payload: Buffer
): DecodedResponse<Res> {
  if (!supportsVersion(api, version)) throw unsupportedVersion(`${api.name}Response`, version)
  const r = new Reader(payload)
  const header = readResponseHeader(r, responseHeaderVersion(api.key, version))
  const body = api.readResponse(r, version)
  return { header, body }
}

/** Encodes a response as a frame, size prefix included. */
export function encodeResponse<Res>(
  api: ApiDefinition<unknown, Res>,
  version: number,
  header: ResponseHeader,
  body: Res
): Buffer {
  return responseWriter(api, version, header, body, Number.POSITIVE_INFINITY).finish()
}

/**
 * Encodes a response as a frame, size prefix included, as chunks to write in order: the bytes
 * values of `referenceFrom` bytes or more (a Fetch response's records) are the very buffers the
 * body holds, not copies. Their concatenation is what encodeResponse gives.
 */
export function encodeResponseChunks<Res>(
  api: ApiDefinition<unknown, Res>,
  version: number,
  header: ResponseHeader,
  body: Res,
  referenceFrom = REFERENCE_FROM_BYTES
): Uint8Array[] {
  return responseWriter(api, version, header, body, referenceFrom).finishChunks()
}

function responseWriter<Res>(
  api: ApiDefinition<unknown, Res>,
  version: number,
  header: ResponseHeader,
  body: Res,
  referenceFrom: number
): Writer {
  if (!supportsVersion(api, version)) throw unsupportedVersion(`${api.name}Response`, version)
  const w = new Writer(256, referenceFrom)
  w.int32(0)
  writeResponseHeader(w, responseHeaderVersion(api.key, version), header)
  api.writeResponse(w, version, body)
  w.patchInt32(0, w.size - 4)
  return w
}
