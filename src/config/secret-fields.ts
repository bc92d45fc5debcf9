// Which fields of a configuration hold secrets. Decided by name, so a new secret field is
// covered by naming it like one: the admin API redacts these values and an issue about one of
// them never shows what was found there (a plaintext pasted where its hash belongs is a secret).
const SECRET_FIELDS = new Set([
  'password',
  'passwordHash',
  'sha256',
  'storedKey',
  'serverKey',
  'secret',
  'clientSecret',
  'token',
  'bearerToken',
  'bearerTokenSha256',
  // AWS KMS static credentials (the access key id alone names, it does not grant).
  'secretAccessKey',
  'sessionToken',
  // A backend identity's client certificate key (a path, or where a ${file:...} put it) and the
  // passphrase that unlocks it; redacted on every TLS block alike.
  'keyFile',
  'passphrase',
  // A mask policy's hash salt: with it, masked values can be tested against guesses.
  'salt',
])

/** Whether a field of this name holds a secret. */
export function isSecretField(key: PropertyKey): boolean {
  return typeof key === 'string' && SECRET_FIELDS.has(key)
}

/** Whether the value at this path into a document is a secret (its last field names one). */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  const last = path.at(-1)
  return last !== undefined && isSecretField(last)
}
