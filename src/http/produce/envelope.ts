// The `envelope` value mode, after Kong's Kafka Upstream: the record value describes the whole
// HTTP request (method, uri, query, headers, body). JSON, form-urlencoded and multipart bodies are
// also parsed into `body_args`; bodies that are not text are base64-encoded with `body_base64`.
import { GatewayError } from '../../core/errors.ts'
import { isJsonType, mediaType, parseJson } from './media.ts'
import type { HeaderReader } from '../exchange.ts'

export interface EnvelopeRequest {
  method: string
  url: URL
  headers: HeaderReader
  body: Buffer
}

const textTypes = /^(text\/|application\/(xml|soap\+xml|x-www-form-urlencoded)$)/

/** Headers that carry credentials never enter the record. */
const secretHeaders = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-api-key'])

export async function envelope(
  request: EnvelopeRequest,
  hiddenHeaders: readonly string[] = []
): Promise<Record<string, unknown>> {
  const type = mediaType(request.headers.get('content-type') ?? undefined)
  const headers: Record<string, string> = {}
  const hidden = new Set([...secretHeaders, ...hiddenHeaders.map((h) => h.toLowerCase())])
  request.headers.forEach((value, name) => {
    if (!hidden.has(name)) headers[name] = value
  })
  const result: Record<string, unknown> = {
    method: request.method,
    uri: request.url.pathname,
    uri_args: Object.fromEntries(request.url.searchParams),
    headers,
  }
  if (request.body.length === 0) return result

  if (isJsonType(type)) {
    result.body = request.body.toString('utf8')
    result.body_args = parseJson(result.body as string, 'the body')
  } else if (type === 'application/x-www-form-urlencoded') {
    result.body = request.body.toString('utf8')
    result.body_args = Object.fromEntries(new URLSearchParams(result.body as string))
  } else if (type === 'multipart/form-data') {
    result.body = request.body.toString('utf8')
    result.body_args = await multipartFields(request)
  } else if (textTypes.test(type) || type === '') {
    result.body = request.body.toString('utf8')
  } else {
    result.body = request.body.toString('base64')
    result.body_base64 = true
  }
  return result
}

async function multipartFields(request: EnvelopeRequest): Promise<Record<string, unknown>> {
  let form: FormData
  try {
    form = await new Response(new Uint8Array(request.body), {
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
    }).formData()
  } catch (err) {
    throw new GatewayError(
      'bad-request',
      `the multipart body cannot be parsed: ${(err as Error).message}`
    )
  }
  const fields: Record<string, unknown> = {}
  for (const [name, value] of form) {
    fields[name] =
      typeof value === 'string'
        ? value
        : {
            filename: value.name,
            content_type: value.type,
            body_base64: Buffer.from(await value.arrayBuffer()).toString('base64'),
          }
  }
  return fields
}
