// The answer to an API the ACL filter refuses outright (one no Weir resource governs): its
// default response with the error at the top level, where the response has one in that version.
// Where it has none there is no way to say no, and the connection is closed, as a broker does.
import { messageSchemas, type ApiDefinition } from '../../../protocol/index.ts'

/** The response body, or undefined when the version has no top-level error code. */
export function deniedResponse(api: ApiDefinition, version: number, code: number): unknown {
  const schema = messageSchemas[`${api.name}Response`]
  const field = schema?.structs[schema.name]?.find((f) => f.name === 'errorCode')
  if (field === undefined || version < field.versions[0] || version > field.versions[1]) {
    return undefined
  }
  return { ...(api.defaultResponse() as object), errorCode: code }
}
