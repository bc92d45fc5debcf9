// ${ENV} and ${file:PATH} interpolation. It runs on the parsed YAML, scalar by scalar, so a secret
// full of YAML syntax cannot change the document's shape. ${file:...} reads a secret mounted as a
// file (a Kubernetes or Docker secret), so it never has to sit in the environment or the config.
// An unquoted scalar that is one whole ${VAR} takes the YAML type of what it expands to
// (`port: ${PORT}` gives a number); quoted scalars, and files' contents, stay strings.
import { readFileSync } from 'node:fs'
import { isPair, isScalar, isSeq, parse, visit, type Document, type Scalar } from 'yaml'
import { formatPath, type ConfigIssue, type PathSegment } from './issues.ts'

const reference = /\$\$|\$\{file:([^}]+)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export type Env = Readonly<Record<string, string | undefined>>

/** Reads the file a `${file:PATH}` names; throws (with the reason) when it cannot. */
export type ReadSecretFile = (path: string) => string

const readSecretFile: ReadSecretFile = (path) => readFileSync(path, 'utf8')

/**
 * Expands `${VAR}`, `${VAR:-default}` and `${file:PATH}` (the file's content, less one trailing
 * newline) in a string; `$$` stands for a literal `$`.
 */
export function expand(
  text: string,
  env: Env,
  /** Called with an unset variable's name, or a file's path and why it could not be read. */
  missing: (name: string, unreadable?: string) => void,
  readFile: ReadSecretFile = readSecretFile
): string {
  return text.replace(
    reference,
    (match, file: string | undefined, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$'
      if (file !== undefined) {
        try {
          return readFile(file).replace(/\r?\n$/, '')
        } catch (err) {
          missing(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message)
          return ''
        }
      }
      const value = env[name as string]
      if (value !== undefined && value !== '') return value
      if (fallback !== undefined) return fallback
      missing(name as string)
      return ''
    }
  )
}

/** Interpolates every scalar of `doc` in place; returns an issue per unset variable. */
export function interpolateDocument(
  doc: Document,
  env: Env,
  lineOf: (offset: number) => number
): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  visit(doc, {
    Scalar(_key, node: Scalar, path) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return
      const original = node.value
      const expanded = expand(original, env, (name, unreadable) => {
        issues.push({
          path: yamlPath(path, node),
          line: node.range ? lineOf(node.range[0]) : undefined,
          // Only the path and the reason: never any of the file's content.
          message:
            unreadable === undefined
              ? `environment variable ${name} is not set (write \${${name}:-default} to give a default)`
              : `cannot read the file ${name} named by \${file:${name}} (${unreadable})`,
        })
      })
      node.value =
        node.type === 'PLAIN' && /^\$\{(?!file:)[^}]+\}$/.test(original)
          ? retype(expanded)
          : expanded
    },
  })
  return issues
}

function retype(text: string): unknown {
  try {
    const value: unknown = parse(text)
    return typeof value === 'number' || typeof value === 'boolean' ? value : text
  } catch {
    return text
  }
}

/** The config path (`listeners[0].port`) of a node, from the visitor's ancestors. */
function yamlPath(ancestors: readonly unknown[], node: Scalar): string {
  const segments: PathSegment[] = []
  let child: unknown = node
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const parent = ancestors[i]
    if (isPair(parent) && parent.value === child) {
      segments.unshift(String(isScalar(parent.key) ? parent.key.value : parent.key))
    } else if (isSeq(parent)) {
      segments.unshift(parent.items.indexOf(child as never))
    }
    child = parent
  }
  return formatPath(segments)
}
