import { GatewayError } from '../../core/errors.ts'

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

export function isJsonType(type: string): boolean {
  return /^application\/(json|[\w.+-]+\+json)$/.test(type)
}

/** JSON.parse with a 400 that says which part of the request was malformed. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new GatewayError('bad-request', `${where} is not valid JSON: ${(err as Error).message}`)
  }
}
