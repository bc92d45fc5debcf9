// A producer's linger for kafkajs, which has none: what arrives within `ms` of the first item is
// sent in one call. kafkajs makes every send() its own Produce request, and the broker handles a
// connection's requests one at a time, so a record per send() queues at a rate a batching
// client (Weir's producer, the Java client, librdkafka) carries with ease. Used by the bench's
// clients that stand for such a client: the naive bridge, and the direct path at a given rate.

/**
 * Returns `add(item)`: items added within `ms` of the first one still waiting go to one
 * `send(items)`; each `add` settles as that send does.
 */
export function lingering<T>(ms: number, send: (items: T[]) => Promise<unknown>) {
  let waiting: { items: T[]; done: Promise<void> } | undefined
  return (item: T): Promise<void> => {
    if (!waiting) {
      const batch: T[] = []
      const done = new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          waiting = undefined
          send(batch).then(() => resolve(), reject)
        }, ms)
      })
      waiting = { items: batch, done }
    }
    waiting.items.push(item)
    return waiting.done
  }
}
