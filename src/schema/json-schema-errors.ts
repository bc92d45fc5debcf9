// ajv's errors as violations a person can act on: the path points at the property concerned
// (the missing one for `required`, the extra one for `additionalProperties`), and messages name
// what was expected and what came.
import type { ErrorObject } from 'ajv'
import type { Violation } from '../core/violation.ts'
import { describeValue, pointerSegment, quote } from './describe.ts'

/** Keywords whose error only repeats what the errors under them already say. */
const summaries = new Set(['if'])

export function toViolations(errors: readonly ErrorObject[]): Violation[] {
  const seen = new Set<string>()
  const out: Violation[] = []
  const detailed = errors.some((e) => !summaries.has(e.keyword))
  for (const error of errors) {
    if (detailed && summaries.has(error.keyword)) continue
    const violation = toViolation(error)
    const key = `${violation.path}\n${violation.message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(violation)
  }
  return out
}

function toViolation(error: ErrorObject): Violation {
  const params = error.params as Record<string, unknown>
  const at = (name: unknown) => `${error.instancePath}/${pointerSegment(String(name))}`
  const got = describeValue(error.data)
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
    case 'dependencies':
      return {
        path: at(params.missingProperty),
        message: `missing required property "${String(params.missingProperty)}"`,
      }
    case 'additionalProperties':
      return {
        path: at(params.additionalProperty),
        message: `unknown property "${String(params.additionalProperty)}"`,
      }
    case 'unevaluatedProperties':
      return {
        path: at(params.unevaluatedProperty),
        message: `unknown property "${String(params.unevaluatedProperty)}"`,
      }
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : [params.type]
      return { path: error.instancePath, message: `expected ${types.join(' or ')}, got ${got}` }
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).slice(0, 10).map(literal).join(', ')
      return { path: error.instancePath, message: `expected one of ${allowed}, got ${got}` }
    }
    case 'const':
      return {
        path: error.instancePath,
        message: `expected ${literal(params.allowedValue)}, got ${got}`,
      }
    case 'format':
      return {
        path: error.instancePath,
        message: `expected format "${String(params.format)}", got ${got}`,
      }
    default: {
      const scalar = error.data === null || typeof error.data !== 'object'
      const message = error.message ?? `does not satisfy "${error.keyword}"`
      return { path: error.instancePath, message: scalar ? `${message}, got ${got}` : message }
    }
  }
}

function literal(value: unknown): string {
  return typeof value === 'string' ? quote(value) : JSON.stringify(value)
}
