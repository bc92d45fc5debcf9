// Requests built from an OpenAPI document alone, the way schemathesis does: each operation's path
// with its parameters' examples, its required query and header parameters, and the example of its
// JSON body; and answers checked against the schema the document gives for their status (the
// status itself, else its range such as `2XX`, else `default`) and media type.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import formats from 'ajv-formats'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export interface DocumentRequest {
  method: string
  path: string
  operationId: string
  url: string
  init: { method: string; headers: Record<string, string>; body?: string }
  /** The body sent, as JSON (undefined: none). */
  body: unknown
}

export interface RequestOptions {
  /** Which operations get a request (default: those that take a JSON body). */
  include?: (operation: Json, path: string, method: string) => boolean
}

const hasJsonBody = (operation: Json) =>
  operation.requestBody?.content?.['application/json'] !== undefined

/**
 * One request per operation `include` takes, with `credentials` as extra headers. Operations with
 * a path parameter that has no example are left out: nothing says what to send.
 */
export function requestsFromDocument(
  doc: Json,
  base: string,
  credentials: Record<string, string>,
  options: RequestOptions = {}
): DocumentRequest[] {
  const include = options.include ?? hasJsonBody
  const requests: DocumentRequest[] = []
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    operations: for (const [method, operation] of Object.entries(item as Json)) {
      if (!include(operation, path, method)) continue
      const json = operation.requestBody?.content?.['application/json']
      let target = path
      const query = new URLSearchParams()
      const headers: Record<string, string> = { ...credentials }
      if (json !== undefined) headers['content-type'] = 'application/json'
      for (const p of operation.parameters ?? []) {
        const example = p.example ?? p.schema?.example ?? p.schema?.enum?.[0]
        if (p.in === 'path') {
          if (example === undefined) continue operations
          target = target.replace(`{${p.name}}`, encodeURIComponent(String(example)))
        } else if (p.required && p.in === 'query') query.set(p.name, String(example))
        else if (p.required && p.in === 'header') headers[p.name] = String(example)
      }
      const search = query.size > 0 ? `?${query}` : ''
      requests.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        url: `${base}${target}${search}`,
        init: {
          method: method.toUpperCase(),
          headers,
          ...(json === undefined ? {} : { body: JSON.stringify(json.example) }),
        },
        body: json?.example,
      })
    }
  }
  return requests
}

/** Validates a response body against the document's schema for that operation and status. */
export function responseValidator(
  doc: Json
): (path: string, method: string, status: number, contentType: string, body: unknown) => string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  formats.default(ajv)
  // The document itself is the root every `#/components/...` reference resolves in.
  ajv.addSchema({ ...doc, $id: 'doc' }, 'doc')
  const compiled = new Map<string, ValidateFunction>()
  return (path, method, status, contentType, body) => {
    const operation = doc.paths[path]?.[method.toLowerCase()]
    const responses = operation?.responses ?? {}
    // As OpenAPI matches them: the status, its range, then `default`.
    const documented = [String(status), `${String(status)[0]}XX`, 'default'].find(
      (s) => responses[s] !== undefined
    )
    if (documented === undefined)
      return [`the document has no ${status} answer for ${method} ${path}`]
    let response = responses[documented]
    if (typeof response.$ref === 'string') {
      response = doc.components.responses[response.$ref.split('/').pop() as string]
    }
    if (response.content === undefined) {
      const empty = body === undefined || body === null || body === ''
      return empty ? [] : [`the document gives ${status} no body, but it has one`]
    }
    const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
    const media = response.content[type] ?? response.content[`${type.split('/')[0]}/*`]
    if (media === undefined) return [`the document has no ${type} content for ${status}`]
    const key = `${path} ${method} ${documented} ${type}`
    let validate = compiled.get(key)
    if (validate === undefined) {
      validate = ajv.compile(rebase(media.schema) as object)
      compiled.set(key, validate)
    }
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
  }
}

/** Validates values against a schema of a document (AsyncAPI messages), whose `#/...` resolve in it. */
export function schemaCheck(doc: Json, schema: unknown): (value: unknown) => string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  formats.default(ajv)
  ajv.addSchema({ ...doc, $id: 'doc' }, 'doc')
  const validate = ajv.compile(rebase(schema) as object)
  return (value) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

/** A schema whose `#/...` references point into the document added as `doc`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase)
  if (typeof schema !== 'object' || schema === null) return schema
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `doc${v}` : rebase(v),
    ])
  )
}
