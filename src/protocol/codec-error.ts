// The one error the wire codec throws. Decoding hostile or truncated bytes, or encoding a message
// a version cannot carry, ends in a CodecError and nothing else, so a listener can tell "this peer
// sent garbage" (close that connection) from a bug in Weir (let it surface).

export class CodecError extends Error {
  override name = 'CodecError'
}

/** A message version the codec has no schema for. */
export function unsupportedVersion(message: string, version: number): CodecError {
  return new CodecError(`${message} has no version ${version}`)
}

/** A field set to a value that the chosen version cannot carry (Kafka's own encoder refuses the
 * same, unless the field is marked ignorable). */
export function unsupportedField(message: string, field: string, version: number): CodecError {
  return new CodecError(
    `${message}.${field} cannot be sent in version ${version}: it is not default`
  )
}

/** A tagged field the schema knows, in a version that lacks it (Kafka's decoder refuses it too,
 * rather than keeping it as an unknown tag). */
export function tagNotInVersion(tag: number, version: number): CodecError {
  return new CodecError(`tag ${tag} is not valid in version ${version}`)
}

/** `value`, or a CodecError naming the field when it is null in a version where it cannot be. */
export function required<T>(value: T | null, field: string): T {
  if (value === null) throw new CodecError(`${field} is null in a version where it cannot be`)
  return value
}
