// Regexes over names, confined to a namespace: the broker full-matches them with RE2/J, so the
// wrapped form must match exactly the prefixed forms of what the client's regex matched, and no
// client regex may escape the wrapping group. JS RegExp stands in for RE2 on the simple syntax
// these tests use (both read `\.`, `(?:`, classes and alternation the same way).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createNameMapper } from '../../../src/namespace/index.ts'
import {
  isConfinable,
  quoteRe2,
  regexToBackend,
  regexToClient,
} from '../../../src/kafka-listener/namespace/regex.ts'

const hidden = createNameMapper({ prefix: 'acme.', hidePrefix: true })
const visible = createNameMapper({ prefix: 'acme.', hidePrefix: false })

/** `Matcher.matches()`: the whole name. */
const fullMatch = (regex: string, name: string): boolean => new RegExp(`^(?:${regex})$`).test(name)

describe('regexToBackend', () => {
  it('confines a subscription regex to the prefix', () => {
    const backend = regexToBackend(hidden, 'topicRegex', 'orders-.*') as string
    expect(backend).toBe('acme\\.(?:orders-.*)')
    expect(fullMatch(backend, 'acme.orders-eu')).toBe(true)
    expect(fullMatch(backend, 'orders-eu')).toBe(false)
    expect(fullMatch(backend, 'globex.orders-eu')).toBe(false)
  })

  it('keeps alternations and catch-alls inside the namespace', () => {
    for (const regex of ['.*', 'a|.*', '(a|b)|.+', '[^x]*', 'x*|']) {
      const backend = regexToBackend(hidden, 'topicRegex', regex) as string
      expect(fullMatch(backend, 'globex.secret')).toBe(false)
      expect(fullMatch(backend, '__consumer_offsets')).toBe(false)
    }
  })

  it('drops the anchors clients often write, which would never match inside the group', () => {
    const backend = regexToBackend(hidden, 'topicRegex', '^orders.*$') as string
    expect(backend).toBe('acme\\.(?:orders.*)')
    // An escaped dollar is a literal, not an anchor.
    expect(regexToBackend(hidden, 'topicRegex', 'cost\\$')).toBe('acme\\.(?:cost\\$)')
  })

  it('keeps start anchors anywhere in the regex from matching nothing behind the prefix', () => {
    // franz-go sends its topics' regexes joined as `.*(?:(?:R1)|(?:R2)).*`; `^` and `\\A` can
    // then only mean the name's start, which the prefix now occupies.
    const franz = '.*(?:(?:^orders$)|(?:\\Apayments-v[0-9]$)).*'
    const backend = regexToBackend(hidden, 'topicRegex', franz) as string
    for (const [name, matches] of [
      ['acme.orders', true],
      ['acme.payments-v2', true],
      ['acme.orders-v2', false],
      ['orders', false],
      ['globex.orders', false],
    ] as const) {
      expect(fullMatch(backend.replaceAll('\\A', '^'), name), name).toBe(matches)
    }
    for (const regex of ['^a$|^b$', '(^a|b)$', 'x|(?:^y)']) {
      const wrapped = regexToBackend(hidden, 'topicRegex', regex) as string
      for (const name of ['a', 'b', 'y', 'x', 'ab']) {
        expect(fullMatch(wrapped, `acme.${name}`), `${regex} on ${name}`).toBe(
          fullMatch(regex, name)
        )
      }
    }
    // Inside a class, `^` negates or is a literal, and an escaped one is a literal.
    expect(regexToBackend(hidden, 'topicRegex', '[^x]a\\^b[a^]')).toBe('acme\\.(?:[^x]a\\^b[a^])')
  })

  it('refuses a regex that could close the group early, or that a simple scan could misread', () => {
    for (const regex of ['a)|(.*', ')', '(', 'a\\', '[a', '\\Q)\\E|.*', '[[:alpha:])]|.*']) {
      expect(regexToBackend(hidden, 'topicRegex', regex)).toBeUndefined()
    }
  })

  it('counts parentheses in classes and escapes as literals', () => {
    for (const regex of ['[)]', '[]()]', '[^]]', '\\)\\(', 'a(b)c', '(?i)x', '(?P<n>a)']) {
      expect(regexToBackend(hidden, 'topicRegex', regex)).toBe(`acme\\.(?:${regex})`)
    }
  })

  it('passes an empty regex on: it means "none" or "all" to the broker', () => {
    expect(regexToBackend(hidden, 'topicRegex', '')).toBe('')
    expect(regexToBackend(hidden, 'transactionalIdRegex', '')).toBe('')
  })

  it('without hidePrefix, refuses subscription regexes and passes transactional-id patterns', () => {
    expect(regexToBackend(visible, 'topicRegex', 'acme\\..*')).toBeUndefined()
    expect(regexToBackend(visible, 'transactionalIdRegex', 'acme\\..*')).toBe('acme\\..*')
  })

  it('matches the prefixed form of whatever the client regex matches (property)', () => {
    const char = fc.constantFrom(...'ab.-_'.split(''))
    const atom = fc.oneof(
      char.map((c) => (c === '.' ? '\\.' : c)),
      fc.constant('.'),
      fc.constant('[ab]'),
      fc.constant('[^a]')
    )
    const piece = fc.tuple(atom, fc.constantFrom('', '*', '+', '?')).map(([a, q]) => a + q)
    const regex = fc
      .array(
        fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('')),
        {
          minLength: 1,
          maxLength: 3,
        }
      )
      .map((alternatives) => alternatives.join('|'))
    const name = fc.string({ unit: char, maxLength: 8 })
    fc.assert(
      fc.property(regex, name, (r, n) => {
        const backend = regexToBackend(hidden, 'topicRegex', r) as string
        expect(fullMatch(backend, `acme.${n}`)).toBe(fullMatch(r, n))
        expect(fullMatch(backend, n)).toBe(n.startsWith('acme.') && fullMatch(r, n.slice(5)))
      }),
      { numRuns: 500 }
    )
  })
})

describe('regexToClient', () => {
  it('unwraps what regexToBackend wrapped', () => {
    for (const regex of ['orders-.*', '[)]', 'a|b']) {
      const backend = regexToBackend(hidden, 'topicRegex', regex) as string
      expect(regexToClient(hidden, 'topicRegex', backend)).toBe(regex)
    }
  })

  it("hides a regex that is not this tenant's", () => {
    expect(regexToClient(hidden, 'topicRegex', 'orders-.*')).toBeUndefined()
    expect(regexToClient(hidden, 'topicRegex', 'globex\\.(?:.*)')).toBeUndefined()
    expect(regexToClient(hidden, 'topicRegex', 'acme\\.(?:a)|(.*)')).toBeUndefined()
    expect(regexToClient(visible, 'topicRegex', 'acme\\..*')).toBeUndefined()
  })
})

describe('quoteRe2 and isConfinable', () => {
  it('escapes every ASCII punctuation character and nothing else', () => {
    expect(quoteRe2('a.b-c_d+e(f)[g]{h}|i^j$k*l?m\\n')).toBe(
      'a\\.b\\-c\\_d\\+e\\(f\\)\\[g\\]\\{h\\}\\|i\\^j\\$k\\*l\\?m\\\\n'
    )
    expect(quoteRe2('é9Z')).toBe('é9Z')
    expect(new RegExp(`^${quoteRe2('a.b+(c)')}$`).test('a.b+(c)')).toBe(true)
  })

  it('accepts balanced regexes only', () => {
    expect(isConfinable('(a(b)c)')).toBe(true)
    expect(isConfinable('(a(b)c')).toBe(false)
    expect(isConfinable('a)(b')).toBe(false)
  })
})
