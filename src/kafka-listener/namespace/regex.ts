// Regular expressions over names: KIP-848 topic subscriptions (ConsumerGroupHeartbeat, and the
// Streams protocol's source-topic regexes) and ListTransactions' transactional-id pattern. The
// broker compiles them with RE2/J and requires a full match (`Matcher.matches()`), so a client's
// regex R over its own names becomes `quote(prefix)(?:R)` over backend names: it can only match
// names inside the namespace, whatever R is, provided R cannot close the group early. R is
// therefore scanned first and refused when its parentheses do not balance, or when it uses the
// two constructs a simple scan could misread (`\Q...\E` quoting and `[:class:]` inside a class).
// Start anchors inside R are emptied, since the prefix now stands where they pointed.
// Exposed names are not reachable by regex: RE2 has no lookahead to intersect R with the globs.
import type { NameMapper } from '../../namespace/index.ts'

export type RegexKind = 'topicRegex' | 'transactionalIdRegex'

/** `text` as an RE2 literal: ASCII punctuation escaped (RE2 reads `\` + punctuation as itself). */
export function quoteRe2(text: string): string {
  return text.replace(/[!-/:-@[-`{-~]/g, '\\$&')
}

/** Whether `regex` is one group-safe unit: balanced parentheses, no `\Q`, no `[:`, closed classes. */
export function isConfinable(regex: string): boolean {
  let depth = 0
  let i = 0
  while (i < regex.length) {
    const ch = regex[i]
    if (ch === '\\') {
      if (i + 1 >= regex.length || regex[i + 1] === 'Q') return false
      i += 2
    } else if (ch === '[') {
      const end = classEnd(regex, i)
      if (end < 0) return false
      i = end + 1
    } else {
      if (ch === '(') depth++
      else if (ch === ')' && --depth < 0) return false
      i++
    }
  }
  return depth === 0
}

/** Index of the `]` closing the class opened at `start`, or -1 (unclosed, or a `[:` inside). */
function classEnd(regex: string, start: number): number {
  let i = start + 1
  if (regex[i] === '^') i++
  // A `]` right after `[` or `[^` is a literal member, as in RE2.
  if (regex[i] === ']') i++
  while (i < regex.length) {
    const ch = regex[i]
    if (ch === ']') return i
    if (ch === '\\') {
      if (i + 1 >= regex.length || regex[i + 1] === 'Q') return -1
      i += 2
    } else if (ch === '[' && regex[i + 1] === ':') {
      return -1
    } else {
      i++
    }
  }
  return -1
}

/**
 * Drops a leading `^` and an unescaped trailing `$`: the broker matches whole names anyway, so
 * they say nothing, and the client reading its regex back (ConsumerGroupDescribe) sees it as the
 * broker uses it.
 */
function unanchored(regex: string): string {
  let inner = regex.startsWith('^') ? regex.slice(1) : regex
  if (inner.endsWith('$')) {
    let backslashes = 0
    for (let i = inner.length - 2; i >= 0 && inner[i] === '\\'; i--) backslashes++
    if (backslashes % 2 === 0) inner = inner.slice(0, -1)
  }
  return inner
}

/**
 * Every other start anchor (`^`, `\A`, outside classes) as an empty group. In the client's
 * regex one can only hold at the start of the name, which the prefix occupies in the backend's
 * text, where it would never hold; franz-go, for one, sends `^orders$` as `.*(?:(?:^orders$)).*`.
 * Emptied, it also holds elsewhere, which changes only regexes that could never match there
 * (`a^b`), and still inside the namespace. An end anchor needs nothing: the name ends the text.
 * Call on a confinable regex only (its classes are closed).
 */
function startAnchorsEmptied(regex: string): string {
  let out = ''
  let i = 0
  while (i < regex.length) {
    const ch = regex[i] as string
    if (ch === '\\') {
      out += regex[i + 1] === 'A' ? '(?:)' : regex.slice(i, i + 2)
      i += 2
    } else if (ch === '[') {
      const end = classEnd(regex, i)
      out += regex.slice(i, end + 1)
      i = end + 1
    } else {
      out += ch === '^' ? '(?:)' : ch
      i++
    }
  }
  return out
}

/**
 * The backend form of a client's regex, or undefined when it cannot be confined to the namespace
 * (the caller denies the request). An empty regex means "none" or "all" to the broker and is
 * passed on as it is: ListTransactions' responses are filtered by name anyway, and an empty
 * subscription regex matches nothing.
 */
export function regexToBackend(
  mapper: NameMapper,
  kind: RegexKind,
  regex: string
): string | undefined {
  if (regex === '') return regex
  if (!mapper.hidePrefix) {
    // Client and backend names are the same, so the regex is too; but only a response filtered
    // name by name keeps it inside the namespace, and a subscription's matches are never listed.
    return kind === 'transactionalIdRegex' ? regex : undefined
  }
  const inner = unanchored(regex)
  if (!isConfinable(inner)) return undefined
  return `${quoteRe2(mapper.prefix)}(?:${startAnchorsEmptied(inner)})`
}

/** The client's form of a regex the backend reports, or undefined when it is not one of ours. */
export function regexToClient(
  mapper: NameMapper,
  _kind: RegexKind,
  regex: string
): string | undefined {
  if (regex === '') return regex
  if (!mapper.hidePrefix) return undefined
  const head = `${quoteRe2(mapper.prefix)}(?:`
  if (!regex.startsWith(head) || !regex.endsWith(')')) return undefined
  const inner = regex.slice(head.length, -1)
  return isConfinable(inner) ? inner : undefined
}
