// Masking strategies, compiled once per field group of a mask policy into a FieldEdit. Strings
// are masked by characters (code points, so an emoji is one character, never half of one).
// Bytes fields get the same mask of their UTF-8 text, except `hash`, which gives the raw digest.
// Fields of other types never reach a mask: field selection refuses or reports them.
import { createHmac } from 'node:crypto'
import type { MaskStrategyConfig } from '../../config/schema/mask-policy.ts'
import type { FieldEdit } from '../fields/types.ts'

export type MaskText = (value: string) => string

function keep(first: boolean, characters: number, maskChar: string): MaskText {
  return (value) => {
    const chars = Array.from(value)
    if (chars.length <= characters) return value
    const masked = maskChar.repeat(chars.length - characters)
    return first
      ? chars.slice(0, characters).join('') + masked
      : masked + chars.slice(chars.length - characters).join('')
  }
}

/** `jane@example.com` → `j***@example.com`: a fixed-length mask, so the length is not shown. */
function email(maskChar: string): MaskText {
  const stars = maskChar.repeat(3)
  return (value) => {
    const at = value.lastIndexOf('@')
    if (at < 0) return stars
    const first = Array.from(value.slice(0, at))[0] ?? ''
    return `${first}${stars}${value.slice(at)}`
  }
}

/** The FieldEdit a strategy stands for. */
export function compileMaskStrategy(strategy: MaskStrategyConfig): FieldEdit {
  if (strategy.kind === 'hash') {
    const digest = (value: string | Buffer) =>
      createHmac('sha256', strategy.salt).update(value).digest()
    return ({ value }) =>
      Buffer.isBuffer(value) ? digest(value) : digest(value).toString(strategy.encoding)
  }
  const text = maskText(strategy)
  return ({ value }) =>
    Buffer.isBuffer(value) ? Buffer.from(text(value.toString('utf8')), 'utf8') : text(value)
}

function maskText(strategy: Exclude<MaskStrategyConfig, { kind: 'hash' }>): MaskText {
  switch (strategy.kind) {
    case 'replace':
      return () => strategy.with
    case 'keep-first':
      return keep(true, strategy.characters, strategy.maskChar)
    case 'keep-last':
      return keep(false, strategy.characters, strategy.maskChar)
    case 'email':
      return email(strategy.maskChar)
  }
}
