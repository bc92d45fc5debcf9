// Avro decimals: an unscaled integer in big-endian two's complement, with the scale in the schema.
// People write them as JSON numbers or strings ("12.34"); they are read back as strings, since a
// double cannot hold every decimal exactly.

const decimalText = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** The unscaled integer for `value` at `scale`, or a reason it does not fit. */
export function toUnscaled(
  value: number | string,
  precision: number,
  scale: number
): bigint | string {
  const text = typeof value === 'number' ? String(value) : value.trim()
  const m = decimalText.exec(text)
  if (!m || (typeof value === 'number' && !Number.isFinite(value))) return 'not a decimal number'
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m
  let digits = whole + fraction
  // Digits after the point once the exponent is applied; trailing zeros there cost nothing.
  let places = fraction.length - Number(exponent)
  while (places > scale && digits.endsWith('0')) {
    digits = digits.slice(0, -1)
    places--
  }
  if (places > scale) return `more than ${scale} digits after the decimal point`
  const unscaled = BigInt(digits || '0') * 10n ** BigInt(scale - places)
  const size = unscaled.toString().replace(/^0+(?=\d)/, '').length
  if (size > precision) return `more than ${precision} significant digits`
  return sign === '-' ? -unscaled : unscaled
}

/** Two's complement, big-endian: the fewest bytes, or exactly `size` (fixed). */
export function unscaledBytes(n: bigint, size?: number): Buffer | undefined {
  let length = 1
  while (n < -(1n << BigInt(8 * length - 1)) || n >= 1n << BigInt(8 * length - 1)) length++
  if (size !== undefined) {
    if (length > size) return undefined
    length = size
  }
  let rest = n < 0n ? (1n << BigInt(8 * length)) + n : n
  const out = Buffer.alloc(length)
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}

/** The decimal a two's complement unscaled integer stands for, as text. */
export function readDecimal(bytes: Uint8Array, scale: number): string {
  let n = 0n
  for (const byte of bytes) n = (n << 8n) | BigInt(byte)
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) n -= 1n << BigInt(8 * bytes.length)
  const negative = n < 0n
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  const text = scale > 0 ? `${whole}.${digits.slice(digits.length - scale)}` : whole
  return negative ? `-${text}` : text
}
