// Schemas given in the configuration (`schema`) or in a file next to it (`schemaFile`), used
// without a registry.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { SchemaRefConfig } from '../config/index.ts'
import { GatewayError } from '../core/errors.ts'
import { compileSchema } from './compile.ts'
import type { Codec } from './types.ts'

/** Whether a schema reference carries its schema itself, rather than pointing at a registry. */
export function isInline(ref: SchemaRefConfig): boolean {
  return ref.schema !== undefined || ref.schemaFile !== undefined
}

/** Reads (for schemaFile, relative to `baseDir`) and compiles; errors name the source. */
export async function compileInline(ref: SchemaRefConfig, baseDir: string): Promise<Codec> {
  if (ref.schema !== undefined) {
    return compileSchema({ format: ref.format, schema: ref.schema }, 'the inline schema')
  }
  const file = path.resolve(baseDir, ref.schemaFile ?? '')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new GatewayError(
      'internal',
      `schemaFile "${ref.schemaFile}" cannot be read: ${(err as Error).message}`,
      { cause: err }
    )
  }
  return compileSchema({ format: ref.format, schema: text }, `schemaFile "${ref.schemaFile}"`)
}
