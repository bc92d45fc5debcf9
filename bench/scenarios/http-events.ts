// What the HTTP produce scenarios send: the variants (one event or a batch per request, JSON or
// Avro), the event itself, and the Avro schema it matches, registered for the Avro variants.
import { randomBytes } from 'node:crypto'
import { recordBytes } from './direct-produce.ts'

export interface Variant {
  /** Prefix of the variant's figures, e.g. `json-single`. */
  id: string
  format: 'json' | 'avro'
  /** Events per request: 1 sends a JSON object, more a JSON array. */
  events: number
  /** Connections, each with one request in flight. */
  connections: number
  /** The throughput ratio to the direct path the product aims for on the bench machine. */
  aim?: number
}

/**
 * Enough connections to keep the gateway busy without piling up requests it can only queue: single
 * events need many concurrent requests to fill a producer batch; batches of 100 need few. Chosen
 * from sweeps on the 2-core bench machine (single: 32 to 256, batches: 2 to 32 connections): past
 * these, latency grew and throughput did not. The aims are the product's, for that machine.
 */
export const variants: readonly Variant[] = [
  { id: 'json-single', format: 'json', events: 1, connections: 64, aim: 0.3 },
  { id: 'json-batch', format: 'json', events: 100, connections: 4, aim: 0.8 },
  { id: 'avro-single', format: 'avro', events: 1, connections: 64, aim: 0.3 },
  { id: 'avro-batch', format: 'avro', events: 100, connections: 4, aim: 0.8 },
]

export const timing = { warmUpSeconds: 3, measureSeconds: 10 }
/** `WEIR_BENCH_HTTP_VARIANTS=json-single,avro-batch` measures only those (for profiling). */
export function chosenVariants(all: readonly Variant[]): Variant[] {
  const names = (process.env.WEIR_BENCH_HTTP_VARIANTS ?? '').split(',').filter(Boolean)
  return names.length === 0 ? [...all] : all.filter((v) => names.includes(v.id))
}

/**
 * A JSON event that serializes to exactly `bytes` bytes: the usual scalar, array and map fields
 * plus a random text field that makes up the size (random, so nothing downstream compresses it).
 */
export function benchEvent(bytes = recordBytes): Record<string, unknown> {
  const event = {
    id: 'evt-000000000001',
    type: 'weir.bench.event',
    source: 'weir-bench',
    time: 1_760_000_000_000,
    amount: 1234.5,
    count: 42,
    flag: true,
    tags: ['alpha', 'beta', 'gamma'],
    attributes: { region: 'eu-west', tier: 'gold' },
    payload: '',
  }
  const pad = bytes - JSON.stringify(event).length
  // base64url needs no JSON escaping, so one character is one byte.
  event.payload = randomBytes(pad).toString('base64url').slice(0, pad)
  if (JSON.stringify(event).length !== bytes) throw new Error(`the bench event is not ${bytes} B`)
  return event
}

/** The Avro schema the events match, registered under `<topic>-value` for the Avro variants. */
export const benchEventAvro = {
  type: 'record',
  name: 'BenchEvent',
  namespace: 'weir.bench',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'source', type: 'string' },
    { name: 'time', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'count', type: 'int' },
    { name: 'flag', type: 'boolean' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
    { name: 'payload', type: 'string' },
  ],
}

export async function registerSchema(registryUrl: string, subject: string): Promise<number> {
  const res = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(benchEventAvro) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`registering ${subject} failed: ${res.status} ${text}`)
  return (JSON.parse(text) as { id: number }).id
}
