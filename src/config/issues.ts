// What is wrong with a configuration, said precisely: where (path and line), what was expected,
// and what was found, except at a secret's path: what was found there is never shown, since a
// plaintext pasted where its hash belongs is the secret itself, and issues go to HTTP answers,
// logs and terminals alike.
import type { z } from 'zod'
import { isSecretPath } from './secret-fields.ts'

export interface ConfigIssue {
  /** Dotted path into the document, e.g. `listeners[0].port`; empty for the document itself. */
  path: string
  /** What is wrong at the path, as a sentence; never empty. */
  message: string
  expected?: string
  got?: string
  /** 1-based line in the source file, when known. */
  line?: number
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[]
  readonly source: string

  constructor(source: string, issues: ConfigIssue[]) {
    super(
      `${source}: invalid configuration\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`
    )
    this.name = 'ConfigError'
    this.source = source
    this.issues = issues
  }
}

export type PathSegment = string | number

export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out ? `.${String(segment)}` : String(segment)
  }
  return out
}

export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.path || '(document)'}${issue.line ? ` (line ${issue.line})` : ''}`
  return `${where}: ${issue.message || expectedGot(issue.expected, issue.got)}`
}

function expectedGot(expected: string | undefined, got: string | undefined): string {
  return `expected ${expected ?? 'something else'}, got ${got ?? 'nothing'}`
}

/** A short, readable rendering of a value found in the document. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object') return 'a map'
  const text = JSON.stringify(value)
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text
  return `${typeof value} ${shown}`
}

/** What was found at a secret's path: its kind, never its value. */
function describeSecret(value: unknown): string {
  if (value === undefined || value === null || typeof value === 'object') {
    return describeValue(value)
  }
  return `a ${typeof value} (value not shown: secret)`
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<PropertyKey, unknown>)[segment]
  }
  return node
}

type LineOf = (path: readonly PropertyKey[]) => number | undefined

/** Turns zod's issues into ConfigIssues, reading the offending values from the raw document. */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  lineOf: LineOf
): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    const found = (path: readonly PropertyKey[], value: unknown) =>
      isSecretPath(path) ? describeSecret(value) : describeValue(value)
    // Parsing with reportInput gives the exact value each check saw (after any preprocessing).
    const got = found(issue.path, 'input' in issue ? issue.input : valueAt(raw, issue.path))
    const at = (path: readonly PropertyKey[]) => ({ path: formatPath(path), line: lineOf(path) })
    /** An issue that says what the path needed and what it had. */
    const mismatch = (expected: string, had = got): ConfigIssue => ({
      ...at(issue.path),
      message: had === 'nothing' ? `required: expected ${expected}` : expectedGot(expected, had),
      expected,
      got: had,
    })
    switch (issue.code) {
      case 'invalid_type':
        return [mismatch(issue.expected)]
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          ...at([...issue.path, key]),
          message: `unknown field "${key}"`,
        }))
      case 'invalid_union': {
        const options = 'options' in issue ? (issue.options as unknown[] | undefined) : undefined
        if (options) {
          // The union's input is the whole object; the path names its discriminator.
          return [
            mismatch(
              `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`,
              found(issue.path, valueAt(raw, issue.path))
            ),
          ]
        }
        // No discriminator: report what the closest alternative said.
        const nested = issue.errors.flat()
        return nested.length > 0
          ? fromZodIssues(nested, raw, lineOf)
          : [{ ...at(issue.path), message: issue.message, got }]
      }
      case 'invalid_value':
        return [mismatch(`one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)]
      case 'invalid_format':
        return [
          mismatch(
            issue.message
              .replace(/^Invalid (string: )?/, '')
              .replace(/^must match pattern .*/, issue.format)
          ),
        ]
      case 'too_small':
      case 'too_big':
        return [mismatch(issue.message.replace(/^Too (small|big): expected /, ''))]
      default:
        return [{ ...at(issue.path), message: issue.message }]
    }
  })
}
