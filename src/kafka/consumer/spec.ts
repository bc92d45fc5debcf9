// Subscription specs: checked before the hub acts on one, and built from a stream's
// configuration (group mode, start, delivery) plus what the client asked for.
import type { StreamConfig } from '../../config/index.ts'
import { GatewayError } from '../../core/errors.ts'
import type { ConsumerSpec, PartitionPosition, StartPosition } from './types.ts'

const OFFSET = /^(0|[1-9]\d{0,18})$/
const MAX_OFFSET = 9223372036854775807n

/**
 * Returns the spec's topics, unique and sorted. Spec mistakes the client can make (start and
 * resume positions) are `bad-request`; the others come from configuration and are `internal`.
 */
export function checkSpec(spec: ConsumerSpec, clusters: readonly string[]): string[] {
  if (!clusters.includes(spec.cluster)) {
    throw new GatewayError('internal', `unknown backend cluster "${spec.cluster}"`)
  }
  if (spec.topics.length === 0 || spec.topics.some((t) => typeof t !== 'string' || t === '')) {
    throw new GatewayError('internal', 'a subscription needs at least one topic name')
  }
  if (spec.kind === 'group' && !spec.groupId) {
    throw new GatewayError('internal', 'a group subscription needs a group id')
  }
  if (spec.kind !== 'group' && !spec.stream) {
    throw new GatewayError('internal', 'a shared or dedicated subscription needs a stream name')
  }
  if (spec.kind === 'dedicated') {
    checkStart(spec.start)
    for (const position of spec.positions ?? []) checkPosition(position)
  }
  return [...new Set(spec.topics)].sort()
}

function checkStart(start: StartPosition): void {
  if (start === 'earliest' || start === 'latest') return
  const value = typeof start === 'object' && start !== null ? Object.values(start)[0] : undefined
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new GatewayError(
      'bad-request',
      'the start position must be earliest, latest, an offset or a timestamp'
    )
  }
}

function checkPosition({ topic, partition, offset }: PartitionPosition): void {
  const valid =
    typeof topic === 'string' &&
    Number.isInteger(partition) &&
    partition >= 0 &&
    typeof offset === 'string' &&
    OFFSET.test(offset) &&
    BigInt(offset) <= MAX_OFFSET
  if (!valid) throw new GatewayError('bad-request', 'a resume position is not a valid offset')
}

export interface StreamSpecInput {
  cluster: string
  /** Backend topic names. */
  topics: readonly string[]
  stream: Pick<StreamConfig, 'name' | 'path' | 'group' | 'start' | 'delivery'>
  /** The client's own start (`?from=`), where the stream allows one. */
  start?: StartPosition
  /** Where the client resumes (its cursor), per partition. */
  positions?: readonly PartitionPosition[]
  /** The authenticated principal, for `principal` group mode. */
  principal?: string
  /** Maps a configured group id to the backend's (a virtual cluster's namespace prefix). */
  backendGroupId?: (groupId: string) => string
  groupIdPrefix?: string
}

/**
 * The spec for one connection to a stream. Ephemeral streams share a live consumer unless the
 * connection starts elsewhere than `latest` (or resumes), which needs its own. Named and
 * principal groups commit as records go out, or as the client acks (`at-least-once`); a group
 * without committed offsets starts at `earliest` or `latest` (offset and timestamp starts read
 * as `latest` there: a group resumes from its commits, not from a per-connection position).
 */
export function streamConsumerSpec(input: StreamSpecInput): ConsumerSpec {
  const { cluster, topics, stream } = input
  const start = input.start ?? stream.start
  const group = stream.group
  if (group.mode === 'ephemeral') {
    const name = groupIdPart(stream.name ?? stream.path)
    const positions = input.positions ?? []
    const prefix = input.groupIdPrefix === undefined ? {} : { groupIdPrefix: input.groupIdPrefix }
    if (start === 'latest' && positions.length === 0) {
      return { kind: 'shared', cluster, topics, stream: name, ...prefix }
    }
    return { kind: 'dedicated', cluster, topics, stream: name, start, positions, ...prefix }
  }
  let groupId: string
  if (group.mode === 'named') {
    groupId = group.name
  } else {
    if (!input.principal) {
      throw new GatewayError(
        'unauthenticated',
        'this stream reads in a consumer group per principal'
      )
    }
    groupId = `${group.prefix}${input.principal}`
  }
  return {
    kind: 'group',
    cluster,
    topics,
    groupId: input.backendGroupId ? input.backendGroupId(groupId) : groupId,
    commit: stream.delivery === 'at-least-once' ? 'acked' : 'auto',
    start: start === 'earliest' ? 'earliest' : 'latest',
  }
}

/** A stream name or path as part of a group id: Kafka's topic alphabet, bounded length. */
function groupIdPart(text: string): string {
  const part = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '')
  return (part || 'stream').slice(0, 80)
}
