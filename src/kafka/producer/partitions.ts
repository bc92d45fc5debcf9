// kafkajs picks partitions inside send() and reports offsets per partition only. To give every
// record its own offset, the partitioner we install remembers which partition each message got;
// offsets then follow from the partition's base offset and the message's place in it.
import { Partitioners, type ICustomPartitioner, type Message } from 'kafkajs'

export interface PartitionTracker {
  createPartitioner: ICustomPartitioner
  partitionOf(message: Message): number | undefined
}

export function partitionTracker(): PartitionTracker {
  const assigned = new WeakMap<Message, number>()
  const createPartitioner: ICustomPartitioner = () => {
    // Kafka's default: an explicit partition, else murmur2 of the key, else round-robin.
    const choose = Partitioners.DefaultPartitioner()
    return (args) => {
      const partition = choose(args)
      assigned.set(args.message, partition)
      return partition
    }
  }
  return { createPartitioner, partitionOf: (message) => assigned.get(message) }
}
