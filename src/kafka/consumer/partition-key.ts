// One string per topic-partition, for maps. The partition comes first: topic names cannot hold
// the separator, so the key splits back unambiguously.

export const partitionKey = (topic: string, partition: number): string =>
  `${partition}\u0000${topic}`

export function splitPartitionKey(key: string): { topic: string; partition: number } {
  const at = key.indexOf('\u0000')
  return { topic: key.slice(at + 1), partition: Number(key.slice(0, at)) }
}
