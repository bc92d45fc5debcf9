// npm run stack -- up [--fresh] | down | status
// Runs the developer stack (Kafka on 127.0.0.1:19092, registry on 127.0.0.1:18081) in the background.
import path from 'node:path'
import { stacksDir } from './paths.ts'
import { kafkaAnswers } from './kafka.ts'
import { registryAnswers } from './registry.ts'
import { devPorts, readStack, startStack, stopStack } from './stack.ts'
import { hideKafkaJsTimerWarning } from './warnings.ts'

export const devStackDir = path.join(stacksDir, 'dev')

async function main(command: string | undefined, flags: string[]): Promise<number> {
  switch (command) {
    case 'up': {
      const info = await startStack({
        dir: devStackDir,
        ports: devPorts,
        fresh: flags.includes('--fresh'),
      })
      console.log(JSON.stringify(info, null, 2))
      return 0
    }
    case 'down':
      await stopStack(devStackDir)
      console.log('stopped')
      return 0
    case 'status': {
      const info = readStack(devStackDir)
      if (!info) {
        console.log('not running')
        return 1
      }
      const kafka = await kafkaAnswers(info.bootstrap).catch(() => false)
      const registry = await registryAnswers(info.registryUrl).catch(() => false)
      console.log(JSON.stringify({ ...info, kafkaUp: kafka, registryUp: registry }, null, 2))
      return kafka && registry ? 0 : 1
    }
    default:
      console.error('usage: npm run stack -- up [--fresh] | down | status')
      return 2
  }
}

if (import.meta.main) {
  hideKafkaJsTimerWarning()
  main(process.argv[2], process.argv.slice(3)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err)
      process.exit(1)
    }
  )
}
