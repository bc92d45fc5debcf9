// Every scenario the runner knows, in the order they are listed in the report. New scenarios are
// added here; the runner still runs each one's baselines before it, whatever this order.
import type { Scenario } from '../scenario.ts'
import { accessLog } from './access-log.ts'
import { clientAdapters } from './client-adapters.ts'
import { directProduce } from './direct-produce.ts'
import { fanout } from './fanout.ts'
import { httpProduce } from './http-produce.ts'
import { httpProduceAtomic } from './http-produce-atomic.ts'
import { httpProduceStrimzi } from './http-produce-strimzi.ts'
import { kafkaProxy } from './kafka-proxy.ts'
import { kafkaProxyEncrypt } from './kafka-proxy-encrypt.ts'
import { kafkaProxySecure } from './kafka-proxy-secure.ts'
import { requestReply } from './request-reply.ts'
import { workers } from './workers.ts'

export const scenarios: readonly Scenario[] = [
  directProduce,
  httpProduce,
  httpProduceAtomic,
  httpProduceStrimzi,
  fanout,
  kafkaProxy,
  kafkaProxySecure,
  kafkaProxyEncrypt,
  workers,
  requestReply,
  accessLog,
  clientAdapters,
]
