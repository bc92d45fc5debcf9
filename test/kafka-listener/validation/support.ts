// Shared by the schema validation tests: a real PolicyEngine and SchemaCatalog (over the memory
// registry), Produce requests carrying real record batches that went through the codec, and the
// broker's answer to what the filter sent on, edited by the filter and read back off the wire.
import avro from 'avsc'
import type { RequestDecision, RequestFilter } from '../../../src/kafka-listener/filters/types.ts'
import { BrokerMap } from '../../../src/kafka-listener/broker-map.ts'
import {
  schemaValidationApiCap,
  schemaValidationFilter,
  type SchemaValidationDeps,
} from '../../../src/kafka-listener/validation/index.ts'
import { PolicyEngine } from '../../../src/policy/engine.ts'
import { SchemaValidator } from '../../../src/policy/schema/index.ts'
import {
  apiByKey,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  ZERO_UUID,
  type ApiDefinition,
  type ProduceRequest,
  type ProduceResponse,
} from '../../../src/protocol/index.ts'
import {
  createRecordBatch,
  encodeRecordBatch,
  type CompressionCode,
  type NewRecord,
} from '../../../src/protocol/records/index.ts'
import { defaultPartitionProduceResponse } from '../../../src/protocol/generated/messages/produce-response.ts'
import { SchemaCatalog } from '../../../src/schema/schemas.ts'
import { frame } from '../../../src/schema/wire-format.ts'
import { config } from '../../policy/fixtures.ts'
import { MemoryRegistry } from '../../support/memory-registry.ts'

export const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
}
export const orderType = avro.Type.forSchema(orderSchema as avro.schema.AvroSchema)

/** An order framed with a schema id, as Confluent's Avro serializer writes it. */
export function framedOrder(id: number, order = { id: 'o-1', qty: 2 }): Buffer {
  return frame(id, orderType.toBuffer(order))
}

export interface PartitionInput {
  topic: string
  partition?: number
  records: NewRecord[]
  compression?: CompressionCode
}

export interface Outcome {
  decision: RequestDecision
  /** What the broker receives (forward only), through the codec. */
  sent(): ProduceRequest
  /** The broker's success for every partition sent, edited by the filter, as the client reads it. */
  answer(): ProduceResponse
}

export interface Harness {
  registry: MemoryRegistry
  engine: PolicyEngine
  filter: RequestFilter
  deps: SchemaValidationDeps
  clock: { now: number }
  brokers: BrokerMap
  produce(
    partitions: PartitionInput[],
    options?: { version?: number; acks?: number }
  ): Promise<Outcome>
}

const produceApi = apiByKey.get(0) as ApiDefinition

/** One virtual cluster `vc` with these policies; `registry`: its schema registry (`main`). */
export function harness(
  policies: readonly Record<string, unknown>[],
  options: { registry?: string } = { registry: 'main' }
): Harness {
  const registry = new MemoryRegistry()
  const clock = { now: 0 }
  const engine = new PolicyEngine(
    config({
      policies,
      virtualClusters: [{ name: 'vc', policies: policies.map((p) => p.name) }],
    })
  )
  const schemas = new SchemaCatalog(
    [{ name: 'main', url: registry.url, cacheTtlMs: 60_000, requestTimeoutMs: 1000 }],
    { transport: registry.transport, now: () => clock.now }
  )
  const deps = {
    validator: new SchemaValidator(engine, schemas),
    virtualCluster: 'vc',
    registry: options.registry,
  }
  const filter = schemaValidationFilter(deps)
  const context = {
    brokers: new BrokerMap({ advertisedHost: 'weir', brokerPortBase: 9100 }),
    state: { principal: undefined, scratch: new Map() },
  }
  return {
    registry,
    engine,
    filter,
    deps,
    clock,
    brokers: context.brokers,
    async produce(partitions, options = {}) {
      const version = options.version ?? 11
      const header = {
        requestApiKey: 0,
        requestApiVersion: version,
        correlationId: 1,
        clientId: 't',
      }
      const request = await produceRequest(partitions, version, options.acks ?? -1)
      if (!filter.wants(0, version, context.state)) throw new Error('the filter wants no Produce')
      const decision = await filter.onRequest(request, header, context)
      const sent = () => {
        if (decision.kind !== 'forward') throw new Error(`not forwarded: ${decision.kind}`)
        const framed = encodeRequest(produceApi, header, request)
        return decodeRequest(framed.subarray(4)).body as ProduceRequest
      }
      return {
        decision,
        sent,
        answer() {
          if (decision.kind !== 'forward') throw new Error(`not forwarded: ${decision.kind}`)
          const response: ProduceResponse = {
            ...(produceApi.defaultResponse() as ProduceResponse),
            responses: sent().topicData.map((t) => ({
              name: t.name,
              topicId: t.topicId,
              partitionResponses: t.partitionData.map((p) => ({
                ...defaultPartitionProduceResponse(),
                index: p.index,
                baseOffset: 100n,
              })),
            })),
          }
          decision.onResponse?.(response)
          const framed = encodeResponse(produceApi, version, { correlationId: 1 }, response)
          return decodeResponse(produceApi, version, framed.subarray(4)).body as ProduceResponse
        },
      }
    },
  }
}

/** A Produce request as the filter gets it: encoded with real batches, decoded by the codec. */
export async function produceRequest(
  partitions: readonly PartitionInput[],
  version: number,
  acks: number
): Promise<ProduceRequest> {
  const topics = new Map<string, ProduceRequest['topicData'][number]>()
  for (const input of partitions) {
    let topic = topics.get(input.topic)
    if (topic === undefined) {
      topic = { name: input.topic, topicId: ZERO_UUID, partitionData: [] }
      topics.set(input.topic, topic)
    }
    const batch = createRecordBatch(input.records, { compression: input.compression })
    topic.partitionData.push({
      index: input.partition ?? 0,
      records: await encodeRecordBatch(batch),
    })
  }
  const body: ProduceRequest = {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [...topics.values()],
  }
  const header = { requestApiKey: 0, requestApiVersion: version, correlationId: 1, clientId: 't' }
  return decodeRequest(encodeRequest(produceApi, header, body).subarray(4)).body as ProduceRequest
}

/** Every partition of an answer: `topic-partition` → code, message and record errors. */
export function partitions(response: ProduceResponse) {
  const out: Record<string, { code: number; message: string | null; records: unknown[] }> = {}
  for (const topic of response.responses) {
    for (const p of topic.partitionResponses) {
      out[`${topic.name}-${p.index}`] = {
        code: p.errorCode,
        message: p.errorMessage,
        records: p.recordErrors.map((e) => [e.batchIndex, e.batchIndexErrorMessage]),
      }
    }
  }
  return out
}

export { schemaValidationApiCap }

/** A schema policy on `orders*` topics, value in Avro by the topic strategy unless overridden. */
export function schemaPolicy(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'orders-schema',
    kind: 'schema',
    topics: ['orders*'],
    value: { format: 'avro' },
    ...fields,
  }
}
