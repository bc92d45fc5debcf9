// The `components.schemas` of one document: each topic schema converted once (per direction, for
// Avro) under a unique name, and referred to from every place that uses it.
import { avroToJsonSchema, type AvroDirection } from './avro-json-schema.ts'
import { embedJsonSchemas } from './json-schema-embed.ts'
import { componentName, componentRef, uniqueName, type JsonSchema } from './json-schema.ts'
import type { SchemaEntry } from './schema-sources.ts'

export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {}
  readonly #taken = new Set<string>()
  readonly #converted = new Map<string, JsonSchema | undefined>()

  /** Adds a component under `name` (made unique); returns a `$ref` to it. */
  add(name: string, schema: JsonSchema): JsonSchema {
    const unique = uniqueName(this.#taken, componentName(name))
    this.schemas[unique] = schema
    return { $ref: componentRef(unique) }
  }

  /** A fixed shared component (Problem, StreamRecord...), added once. */
  shared(name: string, make: () => JsonSchema): JsonSchema {
    if (!(name in this.schemas)) {
      this.#taken.add(name)
      this.schemas[name] = make()
    }
    return { $ref: componentRef(name) }
  }

  /**
   * The JSON a topic's key or value takes (`write`: what clients send; `read`: what streams
   * deliver), or undefined when no schema applies.
   */
  forEntry(entry: SchemaEntry, direction: AvroDirection): JsonSchema | undefined {
    if (entry.kind === 'none') return undefined
    if (entry.kind === 'unavailable') {
      return {
        description: `The ${entry.format} schema "${entry.name}" applies but cannot be read now (${entry.reason}); any JSON is shown until it can.`,
      }
    }
    // JSON Schema describes both directions alike; Avro's JSON differs (avro-json-schema.ts).
    const key = JSON.stringify([
      entry.format,
      entry.schema,
      entry.references,
      entry.format === 'avro' ? direction : '',
    ])
    if (this.#converted.has(key)) return this.#converted.get(key)
    let ref: JsonSchema | undefined
    try {
      ref = entry.format === 'avro' ? this.#avro(entry, direction) : this.#json(entry)
    } catch (err) {
      ref = { description: `${entry.origin} cannot be converted: ${(err as Error).message}` }
    }
    this.#converted.set(key, ref)
    return ref
  }

  #avro(entry: Extract<SchemaEntry, { kind: 'schema' }>, direction: AvroDirection): JsonSchema {
    const name = uniqueName(
      this.#taken,
      componentName(direction === 'read' ? `${entry.name}.delivered` : entry.name)
    )
    const schema = avroToJsonSchema(entry.schema, entry.references, {
      direction,
      base: componentRef(name),
    })
    schema['x-weir-schema'] = `Avro: ${entry.origin}`
    this.schemas[name] = schema
    return { $ref: componentRef(name) }
  }

  #json(entry: Extract<SchemaEntry, { kind: 'schema' }>): JsonSchema {
    const main = uniqueName(this.#taken, componentName(entry.name))
    const sources = [
      { component: main, schema: entry.schema },
      ...entry.references.map((r) => ({
        component: uniqueName(this.#taken, componentName(r.name)),
        uri: r.name,
        schema: r.schema,
      })),
    ]
    const embedded = embedJsonSchemas(sources)
    sources.forEach((source, i) => (this.schemas[source.component] = embedded[i] as JsonSchema))
    const root: unknown = this.schemas[main]
    if (typeof root === 'object' && root !== null) {
      ;(root as JsonSchema)['x-weir-schema'] = `JSON Schema: ${entry.origin}`
    }
    return { $ref: componentRef(main) }
  }
}
