// Reads a YAML configuration: parse, interpolate ${ENV}, validate against the schema, check
// references. Any problem anywhere rejects the whole document with every issue found.
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument, type Document } from 'yaml'
import { interpolateDocument, type Env } from './interpolate.ts'
import { ConfigError, formatPath, fromZodIssues, type ConfigIssue } from './issues.ts'
import { checkReferences } from './references.ts'
import { WeirConfigSchema, type WeirConfig } from './schema/index.ts'

/** Parses and validates configuration text; `source` names it in errors. */
export function parseConfig(text: string, source = 'config', env: Env = process.env): WeirConfig {
  return parseConfigDocument(text, source, env).config
}

/** A configuration as written (after ${ENV} expansion) and as validated, with defaults. */
export interface ConfigDocument {
  /** The document as written: what the admin API edits and data planes receive. */
  raw: Record<string, unknown>
  config: WeirConfig
}

/** Validates a configuration given as data (JSON from the admin API or a control plane). */
export function validateConfigObject(raw: unknown, source = 'config'): WeirConfig {
  const parsed = WeirConfigSchema.safeParse(raw ?? {}, { reportInput: true })
  if (!parsed.success)
    throw new ConfigError(
      source,
      fromZodIssues(parsed.error.issues, raw, () => undefined)
    )
  const refIssues: ConfigIssue[] = checkReferences(parsed.data).map((r) => ({
    path: formatPath(r.path),
    message: r.message,
  }))
  if (refIssues.length > 0) throw new ConfigError(source, refIssues)
  return parsed.data
}

export function parseConfigDocument(
  text: string,
  source = 'config',
  env: Env = process.env
): ConfigDocument {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const lineAt = (offset: number) => lines.linePos(offset).line
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({
        path: '',
        line: lineAt(e.pos[0]),
        message: `YAML: ${e.message.split('\n')[0]}`,
      }))
    )
  }
  const envIssues = interpolateDocument(doc, env, lineAt)
  if (envIssues.length > 0) throw new ConfigError(source, envIssues)

  const raw: unknown = doc.toJS() ?? {}
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) {
    throw new ConfigError(source, [{ path: '', message: 'the document must be a map' }])
  }
  const lineOf = (path: readonly PropertyKey[]) => lineOfPath(doc, path, lineAt)
  const parsed = WeirConfigSchema.safeParse(raw ?? {}, { reportInput: true })
  if (!parsed.success)
    throw new ConfigError(source, fromZodIssues(parsed.error.issues, raw, lineOf))

  const refIssues: ConfigIssue[] = checkReferences(parsed.data).map((r) => ({
    path: formatPath(r.path),
    line: lineOf(r.path),
    message: r.message,
  }))
  if (refIssues.length > 0) throw new ConfigError(source, refIssues)
  return { raw: raw as Record<string, unknown>, config: parsed.data }
}

export async function loadConfigFile(file: string, env: Env = process.env): Promise<WeirConfig> {
  return (await loadConfigDocument(file, env)).config
}

export async function loadConfigDocument(
  file: string,
  env: Env = process.env
): Promise<ConfigDocument> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, [
      { path: '', message: `cannot read the file: ${(err as Error).message}` },
    ])
  }
  return parseConfigDocument(text, file, env)
}

/** The line of the deepest node along `path` that exists in the document. */
function lineOfPath(
  doc: Document,
  path: readonly PropertyKey[],
  lineAt: (offset: number) => number
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as
      { range?: [number, number, number] } | undefined
    if (node?.range) return lineAt(node.range[0])
  }
  return undefined
}
