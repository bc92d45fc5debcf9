// The snappy, lz4 and zstd codecs: round trips, the frame layouts Kafka's Java client insists on,
// and frames written by reference implementations (Kafka's own Java codecs, libsnappy, the lz4 and
// zstd command-line tools), which a consumer must read whatever client produced them.
import { randomBytes } from 'node:crypto'
import zlib from 'node:zlib'
import kafkajs, { CompressionTypes } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  compressionType,
  registerCompressionCodecs,
  type KafkaJsCodec,
} from '../../../src/kafka/kafkajs/compression.ts'

const { CompressionCodecs } = kafkajs

type Codecs = Record<CompressionTypes, (() => KafkaJsCodec) | undefined>

/** The codec kafkajs itself would look up for a batch of this type. */
function codec(type: CompressionTypes): KafkaJsCodec {
  const factory = (CompressionCodecs as unknown as Codecs)[type]
  if (!factory) throw new Error(`no codec for ${type}`)
  return factory()
}

/** 70,200 bytes of text: more than one 64 KiB LZ4 block and three 32 KiB xerial chunks. */
function referencePayload(): Buffer {
  return Buffer.from(Array.from({ length: 9000 }, (_, i) => `weir-${i % 50};`).join(''))
}

function fromBase64(...lines: string[]): Buffer {
  return Buffer.from(lines.join(''), 'base64')
}

// referencePayload() compressed by reference implementations, then base64-encoded:
// - java*: Kafka 4.1.1's own codecs (Compression.of(type).build().wrapForOutput(stream, magic 2)),
//   what a Java producer writes and what the broker writes when it recompresses for a topic's
//   compression.type: xerial-framed snappy (snappy-java's SnappyOutputStream), Lz4BlockOutputStream,
//   zstd-jni.
// - rawSnappy: one raw snappy block from libsnappy (snappy-java's Snappy.compress), the form
//   librdkafka and kafkajs-snappy write.
// - cliLz4: `lz4 -c` 1.9.4: 4 MiB blocks with a content checksum.
// - cliLz4Linked: `lz4 -B4 -BD --content-size -c`: linked 64 KiB blocks, content size, checksum.
// - cliZstd: `zstd --check -c` 1.5.4: content size and checksum.
const reference = {
  javaSnappy: fromBase64(
    'glNOQVBQWQAAAAABAAAAAQAABs6AgAIYd2Vpci0wOwUHADEJBwAyCQcAMwkHADQJBwA1CQcANgkHADcJBwA4CQcA',
    'OQkHADERRw1IADENSQAxDUoAMQ1LADENTAAxDU0AMQ1OADENTwAxDVAAMg1QADINUAAyDVAAMg1QADINUAAyDVAA',
    'Mg1QADINUAAyDVAAMg1QADMNUAAzDVAAMw1QADMNUAAzDVAAMw1QADMNUAAzDVAAMw1QADMNUAA0DVAANA1QADQN',
    'UAA0DVAANA1QADQNUAA0DVAANA1QADQNUAA0DVANTw1ODU0RTCljDUoNSQ1IDUcNRv6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAbqGAQAABsuAgAIYZWlyLTE7dwEHADIJ',
    'BwAzCQcANAkHADUJBwA2CQcANwkHADgJBwA5CQcEMTANCA1IADENSQAxDUoAMQ1LADENTAAxDU0AMQ1OADENTwAx',
    'DVAAMg1QADINUAAyDVAAMg1QADINUAAyDVAAMg1QADINUAAyDVAAMg1QADMNUAAzDVAAMw1QADMNUAAzDVAAMw1Q',
    'ADMNUAAzDVAAMw1QADMNUAA0DVAANA1QADQNUAA0DVAANA1QADQNUAA0DVAANA1QADQNUAA0DVANTw1ODU0RTClb',
    'DUoNSQ1IDUcNRv6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6GAf6G',
    'Af6GAdqGAQAAAaG4JChpci0yO3dlaXItMwkHADQJBwA1CQcANgkHADcJBwA4CQcAOQkHBDEwDQgAMQ0IDUkAMQ1K',
    'ADENSwAxDUwAMQ1NADENTgAxDU8AMQ1QADINUAAyDVAAMg1QADINUAAyDVAAMg1QADINUAAyDVAAMg1QADINUAAz',
    'DVAAMw1QADMNUAAzDVAAMw1QADMNUAAzDVAAMw1QADMNUAAzDVAANA1QADQNUAA0DVAANA1QADQNUAA0DVAANA1Q',
    'ADQNUAA0DVAANA1QDU8NTg1NEUwpUw1KDUkNSA1HDUb+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgHahgE='
  ),
  rawSnappy: fromBase64(
    'uKQEGHdlaXItMDsFBwAxCQcAMgkHADMJBwA0CQcANQkHADYJBwA3CQcAOAkHADkJBwAxEUcNSAAxDUkAMQ1KADEN',
    'SwAxDUwAMQ1NADENTgAxDU8AMQ1QADINUAAyDVAAMg1QADINUAAyDVAAMg1QADINUAAyDVAAMg1QADINUAAzDVAA',
    'Mw1QADMNUAAzDVAAMw1QADMNUAAzDVAAMw1QADMNUAAzDVAANA1QADQNUAA0DVAANA1QADQNUAA0DVAANA1QADQN',
    'UAA0DVAANA1QDU8NTg1NEUwpYw1KDUkNSA1HDUb+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+',
    'hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgH+hgG6hgEoaXItMjt3ZWlyLTMJBwA0CQcANQkH',
    'ADYJBwA3CQcAOAkHADkJBwQxMA0IADENCA1JADENSgAxDUsAMQ1MADENTQAxDU4AMQ1PADENUAAyDVAAMg1QADIN',
    'UAAyDVAAMg1QADINUAAyDVAAMg1QADINUAAyDVAAMw1QADMNUAAzDVAAMw1QADMNUAAzDVAAMw1QADMNUAAzDVAA',
    'Mw1QADQNUAA0DVAANA1QADQNUAA0DVAANA1QADQNUAA0DVAANA1QADQNUA1PDU4NTRFMKVMNSg1JDUgNRw1G/oYB',
    '/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB',
    '/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB',
    '/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB/oYB2oYB'
  ),
  javaLz4: fromBase64(
    'BCJNGGBAgvQBAABxd2Vpci0wOwcAEjEHABIyBwASMwcAEjQHABI1BwASNgcAEjcHABI4BwASOQcAFDFHAANIABMx',
    'SQATMUoAEzFLABMxTAATMU0AEzFOABMxTwATMVAAEzJQABMyUAATMlAAEzJQABMyUAATMlAAEzJQABMyUAATMlAA',
    'EzJQABMzUAATM1AAEzNQABMzUAATM1AAEzNQABMzUAATM1AAEzNQABMzUAATNFAAEzRQABM0UAATNFAAEzRQABM0',
    'UAATNFAAEzRQABM0UAATNFAAA08AA04AA00ABEwAAmMBA0oAA0kAA0gAA0cAA0YAD4YB////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////FlAtMTt3Zf4AAACyaXItMjt3ZWlyLTMH',
    'ABI0BwASNQcAEjYHABI3BwASOAcAEjkHACMxMAgAEzEIAANJABMxSgATMUsAEzFMABMxTQATMU4AEzFPABMxUAAT',
    'MlAAEzJQABMyUAATMlAAEzJQABMyUAATMlAAEzJQABMyUAATMlAAEzNQABMzUAATM1AAEzNQABMzUAATM1AAEzNQ',
    'ABMzUAATM1AAEzNQABM0UAATNFAAEzRQABM0UAATNFAAEzRQABM0UAATNFAAEzRQABM0UAADTwADTgADTQAETAAC',
    'UwEDSgADSQADSAADRwADRgAPhgH/////////////////////b1ByLTQ5OwAAAAA='
  ),
  cliLz4: fromBase64(
    'BCJNGGRQCAYCAABxd2Vpci0wOwcAEjEHABIyBwASMwcAEjQHABI1BwASNgcAEjcHABI4BwASOQcAFDFHAANIABMx',
    'SQATMUoAEzFLABMxTAATMU0AEzFOABMxTwATMVAAEzJQABMyUAATMlAAEzJQABMyUAATMlAAEzJQABMyUAATMlAA',
    'EzJQABMzUAATM1AAEzNQABMzUAATM1AAEzNQABMzUAATM1AAEzNQABMzUAATNFAAEzRQABM0UAATNFAAEzRQABM0',
    'UAATNFAAEzRQABM0UAATNFAAA08AA04AA00ABEwAAmMBA0oAA0kAA0gAA0cAA0YAD4YB////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////YFByLTQ5',
    'OwAAAABkdWhm'
  ),
  cliLz4Linked: fromBase64(
    'BCJNGExAOBIBAAAAAABu9AEAAHF3ZWlyLTA7BwASMQcAEjIHABIzBwASNAcAEjUHABI2BwASNwcAEjgHABI5BwAU',
    'MUcAA0gAEzFJABMxSgATMUsAEzFMABMxTQATMU4AEzFPABMxUAATMlAAEzJQABMyUAATMlAAEzJQABMyUAATMlAA',
    'EzJQABMyUAATMlAAEzNQABMzUAATM1AAEzNQABMzUAATM1AAEzNQABMzUAATM1AAEzNQABM0UAATNFAAEzRQABM0',
    'UAATNFAAEzRQABM0UAATNFAAEzRQABM0UAADTwADTgADTQAETAACYwEDSgADSQADSAADRwADRgAPhgH/////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '////////////////////////////////////////////////////////////////////////////////////////',
    '//////////////////////////////////////////////////////////////////8WUC0xO3dlHAAAAA9q/v//',
    '/////////////////////zJQci00OTsAAAAAZHVoZg=='
  ),
  javaZstd: fromBase64(
    'KLUv/QBYlAQAxAN3ZWlyLTA7d2Vpci0xMjM0NTY3ODkxMTExMTExMTEyMjIyMjIyMjIyMzMzMzMzMzMzMzQ0NDQ0',
    'NDQ0NDQzIJCT0sWjEIkZOnDnGCfuOOakO8ecdOdYJ+4c68Rdx5y465iT7hxz0p1jnbhzLE6m3El3LMoJdHdPjjl3',
    '0uSOueMlZ8rHsBg32CHjBjukjEsD+gIBAAA='
  ),
  cliZstd: fromBase64(
    'KLUv/aQ4EgEAlQQAxAN3ZWlyLTA7d2Vpci0xMjM0NTY3ODkxMTExMTExMTEyMjIyMjIyMjIyMzMzMzMzMzMzMzQ0',
    'NDQ0NDQ0NDQzIJCT0sWjEIkZOnDnGCfuOOakO8ecdOdYJ+4c68Rdx5y465iT7hxz0p1jnbhzLE6m3El3LMoJdHdP',
    'jjl30uSOueMlZ8rHsBg32CHjBjukjEsD+gJYTU2c'
  ),
}

const XERIAL_HEADER = Buffer.from('82534e415050590000000001' + '00000001', 'hex')

/** The chunks of a xerial-framed snappy buffer, as Java's SnappyInputStream reads them. */
function xerialChunks(framed: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  for (let offset = XERIAL_HEADER.length; offset < framed.length;) {
    const length = framed.readInt32BE(offset)
    chunks.push(framed.subarray(offset + 4, offset + 4 + length))
    offset += 4 + length
  }
  return chunks
}

/** Sizes of the data blocks of an LZ4 frame without content size or checksums; throws unless it
 * ends with the end mark. */
function lz4BlockSizes(frame: Buffer): { size: number; stored: boolean }[] {
  const blocks: { size: number; stored: boolean }[] = []
  let offset = 7
  for (;;) {
    const word = frame.readUInt32LE(offset)
    offset += 4
    if (word === 0) break
    const size = word & 0x7fffffff
    blocks.push({ size, stored: word >>> 31 === 1 })
    offset += size
  }
  expect(offset).toBe(frame.length)
  return blocks
}

beforeAll(() => {
  registerCompressionCodecs()
})

describe('compressionType', () => {
  it('maps every configured name to the kafkajs enum', () => {
    expect(compressionType('none')).toBe(CompressionTypes.None)
    expect(compressionType('gzip')).toBe(CompressionTypes.GZIP)
    expect(compressionType('snappy')).toBe(CompressionTypes.Snappy)
    expect(compressionType('lz4')).toBe(CompressionTypes.LZ4)
    expect(compressionType('zstd')).toBe(CompressionTypes.ZSTD)
  })

  it('refuses a name it does not know', () => {
    expect(() => compressionType('brotli' as never)).toThrow(/unknown compression type 'brotli'/)
    expect(() => compressionType('toString' as never)).toThrow(/unknown compression type/)
  })
})

describe('registerCompressionCodecs', () => {
  it('installs the same codecs however often it runs, and leaves gzip alone', () => {
    const codecs = CompressionCodecs as unknown as Codecs
    const gzip = codecs[CompressionTypes.GZIP]
    const before = [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD].map(
      (type) => codecs[type]
    )
    registerCompressionCodecs()
    registerCompressionCodecs()
    const after = [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD].map(
      (type) => codecs[type]
    )
    expect(after).toEqual(before)
    expect(codecs[CompressionTypes.GZIP]).toBe(gzip)
    expect(codec(CompressionTypes.Snappy)).toBe(codec(CompressionTypes.Snappy))
  })
})

const codecTypes = [
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const

describe.each(codecTypes)('%s codec', (_name, type) => {
  it.each([0, 1, 1024, 1024 * 1024])('round-trips %i random bytes', async (size) => {
    const input = randomBytes(size)
    const compressed = await codec(type).compress({ buffer: input })
    expect(await codec(type).decompress(compressed)).toEqual(input)
  })

  it('round-trips and shrinks 1 MiB of repetitive data', async () => {
    const input = Buffer.alloc(1024 * 1024, 'weir-kafka-record;')
    const compressed = await codec(type).compress({ buffer: input })
    expect(compressed.length).toBeLessThan(input.length / 10)
    expect(await codec(type).decompress(compressed)).toEqual(input)
  })

  it('round-trips a slice of a larger buffer', async () => {
    // kafkajs hands over Buffers that may be views into a bigger allocation.
    const input = randomBytes(100_000).subarray(1234, 80_000)
    const compressed = await codec(type).compress({ buffer: input })
    expect(await codec(type).decompress(compressed)).toEqual(input)
  })
})

describe('snappy frames', () => {
  const snappy = () => codec(CompressionTypes.Snappy)

  it('writes snappy-java framing: header, then one chunk per 32 KiB of input', async () => {
    const input = randomBytes(100_000)
    const framed = await snappy().compress({ buffer: input })
    expect(framed.subarray(0, 16)).toEqual(XERIAL_HEADER)
    const chunks = xerialChunks(framed)
    expect(chunks).toHaveLength(4)
    // Each chunk is a raw snappy block whose varint preamble is its uncompressed length.
    expect(chunks.map((chunk) => readVarint(chunk))).toEqual([
      32768,
      32768,
      32768,
      100_000 - 3 * 32768,
    ])
  })

  it('writes the bare header for empty input, as snappy-java does', async () => {
    expect(await snappy().compress({ buffer: Buffer.alloc(0) })).toEqual(XERIAL_HEADER)
  })

  it('writes the framing Kafka 4.1.1 writes for the reference payload', async () => {
    const ours = await snappy().compress({ buffer: referencePayload() })
    expect(ours.subarray(0, 16)).toEqual(reference.javaSnappy.subarray(0, 16))
    expect(xerialChunks(ours).map((chunk) => readVarint(chunk))).toEqual(
      xerialChunks(reference.javaSnappy).map((chunk) => readVarint(chunk))
    )
  })

  it('reads what Kafka 4.1.1 writes (xerial framing)', async () => {
    expect(await snappy().decompress(reference.javaSnappy)).toEqual(referencePayload())
  })

  it('reads a bare raw block (librdkafka, kafkajs-snappy)', async () => {
    expect(await snappy().decompress(reference.rawSnappy)).toEqual(referencePayload())
  })

  it('rejects a truncated chunk', async () => {
    const framed = await snappy().compress({ buffer: randomBytes(1000) })
    await expect(snappy().decompress(framed.subarray(0, framed.length - 1))).rejects.toThrow(
      /truncated xerial chunk/
    )
    await expect(snappy().decompress(framed.subarray(0, 18))).rejects.toThrow(
      /truncated xerial chunk/
    )
  })
})

describe('lz4 frames', () => {
  const lz4 = () => codec(CompressionTypes.LZ4)
  // Magic 0x184D2204 (LE); FLG 0x60: version 01, independent blocks, no checksums, no content
  // size; BD 0x40, 0x50 or 0x70: 64 KiB, 256 KiB or 4 MiB blocks; then the header checksum. The
  // first is the header of Kafka's Lz4BlockOutputStream; Kafka 4.1.1's Lz4BlockInputStream reads
  // all three (checked with its own classes when these tests were written, and end to end by the
  // integration test).
  const headers = { '64k': '04224d18604082', '256k': '04224d186050fb', '4m': '04224d18607073' }

  it('writes the frame header Kafka 4.1.1 writes, with its checksum', async () => {
    expect(reference.javaLz4.subarray(0, 7).toString('hex')).toBe(headers['64k'])
    for (const size of [0, 1, 65536]) {
      const frame = await lz4().compress({ buffer: randomBytes(size) })
      expect(frame.subarray(0, 7).toString('hex')).toBe(headers['64k'])
    }
  })

  it.each([
    [65537, '256k', 65537],
    [262144, '256k', 262144],
    [262145, '4m', 262145],
    [5 * 1024 * 1024, '4m', 4 * 1024 * 1024],
  ] as const)(
    'writes %i bytes as %s blocks, stored raw when they do not compress',
    async (size, blockSize, firstBlock) => {
      const frame = await lz4().compress({ buffer: randomBytes(size) })
      expect(frame.subarray(0, 7).toString('hex')).toBe(headers[blockSize])
      const blocks = lz4BlockSizes(frame)
      expect(blocks[0]).toEqual({ size: firstBlock, stored: true })
      expect(blocks.reduce((sum, block) => sum + block.size, 0)).toBe(size)
    }
  )

  it('writes independent blocks that each compress on their own', async () => {
    const blocks = lz4BlockSizes(await lz4().compress({ buffer: referencePayload() }))
    expect(blocks).toHaveLength(1)
    expect(blocks[0]!.stored).toBe(false)
  })

  it('writes an empty frame for empty input, as Kafka does', async () => {
    expect(await lz4().compress({ buffer: Buffer.alloc(0) })).toEqual(
      Buffer.from('04224d1860408200000000', 'hex')
    )
  })

  it('reads what Kafka 4.1.1 writes', async () => {
    expect(await lz4().decompress(reference.javaLz4)).toEqual(referencePayload())
  })

  it('reads what the lz4 tool writes: 4 MiB blocks, content checksum', async () => {
    expect(reference.cliLz4[4]).toBe(0x64)
    expect(await lz4().decompress(reference.cliLz4)).toEqual(referencePayload())
  })

  it('reads linked blocks with content size and checksum', async () => {
    expect(reference.cliLz4Linked[4]).toBe(0x4c)
    expect(await lz4().decompress(reference.cliLz4Linked)).toEqual(referencePayload())
  })

  it('rejects a frame whose header checksum is wrong', async () => {
    const frame = Buffer.from(reference.javaLz4)
    frame[6] = 0
    await expect(lz4().decompress(frame)).rejects.toThrow('HeaderChecksumError')
  })
})

describe('zstd frames', () => {
  const zstd = () => codec(CompressionTypes.ZSTD)

  it('writes a standard zstd frame', async () => {
    const frame = await zstd().compress({ buffer: referencePayload() })
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528)
  })

  it('reads what Kafka 4.1.1 writes (zstd-jni)', async () => {
    expect(await zstd().decompress(reference.javaZstd)).toEqual(referencePayload())
  })

  it('reads what the zstd tool writes: content size and checksum', async () => {
    expect(await zstd().decompress(reference.cliZstd)).toEqual(referencePayload())
  })

  it('reads several frames in a row, skipping skippable frames', async () => {
    const skippable = Buffer.from('5e2a4d1803000000abcdef', 'hex')
    const data = Buffer.concat([reference.javaZstd, skippable, reference.cliZstd])
    expect(await zstd().decompress(data)).toEqual(
      Buffer.concat([referencePayload(), referencePayload()])
    )
  })

  it('reads frames with raw, RLE and compressed blocks', async () => {
    // Random bytes make raw blocks, a run of one byte an RLE block, text compressed blocks.
    const parts = [randomBytes(300_000), Buffer.alloc(200_000, 7), referencePayload()]
    const frames = await Promise.all(
      parts.map((part) =>
        zlib.zstdCompressSync(part, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } })
      )
    )
    expect(await zstd().decompress(Buffer.concat(frames))).toEqual(Buffer.concat(parts))
  })

  it('rejects trailing bytes and truncated frames, which Node alone would ignore', async () => {
    const trailing = Buffer.concat([reference.javaZstd, Buffer.from('garbage!')])
    await expect(zstd().decompress(trailing)).rejects.toThrow(/not a zstd frame/)
    const truncated = reference.javaZstd.subarray(0, reference.javaZstd.length - 1)
    await expect(zstd().decompress(truncated)).rejects.toThrow(/truncated frame/)
    await expect(zstd().decompress(Buffer.alloc(0))).rejects.toThrow(/truncated frame/)
  })

  it('rejects a corrupted frame', async () => {
    const frame = Buffer.from(reference.cliZstd)
    frame[frame.length - 1]! ^= 0xff
    await expect(zstd().decompress(frame)).rejects.toThrow("Restored data doesn't match checksum")
  })
})

/** The uncompressed length a raw snappy block announces: its leading little-endian varint. */
function readVarint(block: Buffer): number {
  let value = 0
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    const byte = block[i]!
    value += (byte & 0x7f) * 2 ** shift
    if (byte < 0x80) return value
  }
  throw new Error('bad varint')
}
