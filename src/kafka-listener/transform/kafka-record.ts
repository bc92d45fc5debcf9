// A decoded Kafka record seen through the engine's record view: the record's own key, value and
// headers, with the topic its batch belongs to. What the engine changes is written back.
import type { ReadTransform, WriteTransform } from '../../policy/transform/index.ts'
import type { KafkaRecord } from '../../protocol/records/index.ts'

/** The write transform as a Produce edit of one topic's records. */
export function writeKafkaRecord(write: WriteTransform, topic: string) {
  return (record: KafkaRecord): void => {
    const view = { topic, key: record.key, value: record.value, headers: record.headers }
    write(view)
    record.headers = view.headers
  }
}

/** The read transform as a Fetch edit of one partition's records: false drops the record. */
export function readKafkaRecord(read: ReadTransform, topic: string, partition?: number) {
  return (record: KafkaRecord): boolean => {
    const view = { topic, partition, key: record.key, value: record.value, headers: record.headers }
    if (!read(view)) return false
    record.value = view.value
    record.headers = view.headers
    return true
  }
}
